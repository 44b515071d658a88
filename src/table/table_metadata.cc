// Loading a table's metadata, and the validation rules of docs/format/table.md
// ("Reading and validation"): every handle a reader will follow is checked to lie in its
// region before it is used.
#include "table/table_metadata.h"

#include <fmt/format.h>

#include <algorithm>

#include "table/meta_block.h"

namespace basin::table {
namespace {

// Bytes of the table at [start, start + bytes.size()) already in memory.
struct Window {
  uint64_t start = 0;
  std::string_view bytes;
  bool Covers(uint64_t offset, uint64_t length) const {
    return offset >= start && offset - start <= bytes.size() &&
           length <= bytes.size() - (offset - start);
  }
  std::string_view Slice(uint64_t offset, uint64_t length) const {
    return bytes.substr(offset - start, length);
  }
};

// The handles of the index entries tile `span` in order, with increasing keys, and the
// last key is at most `limit` (when given). Gives the number of entries and (when
// `starts` is given and the span is under 4 GiB) each block's offset from the span's.
Status CheckHandles(const Block& index, const BlockHandle& span,
                    std::optional<std::string_view> limit, std::string_view what, uint64_t* count,
                    std::vector<uint32_t>* starts = nullptr) {
  if (starts != nullptr && span.size > UINT32_MAX) starts = nullptr;
  if (starts != nullptr) {
    starts->clear();
    starts->reserve(size_t{index.num_restarts()} + 1);
  }
  BlockIter it(&index);
  uint64_t expect = span.offset, n = 0;
  std::string prev;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    std::string_view v = it.value();
    BlockHandle h;
    if (!h.DecodeFrom(&v) || !v.empty() || h.offset != expect || h.size < kBlockTrailerSize ||
        h.size > span.end() - expect || (n > 0 && it.key() <= std::string_view(prev)) ||
        (limit && it.key() > *limit)) {
      return Status::Corruption(fmt::format("{}: entry {} is out of place", what, n));
    }
    if (starts != nullptr) starts->push_back(static_cast<uint32_t>(expect - span.offset));
    expect += h.size;
    prev.assign(it.key());
  }
  BASIN_RETURN_IF_ERROR(it.status().WithContext(what));
  if (n != index.num_restarts() && n > 0) {
    return Status::Corruption(fmt::format("{}: {} entries but {} restart points (one per entry)",
                                          what, n, index.num_restarts()));
  }
  if (expect != span.end()) {
    return Status::Corruption(
        fmt::format("{}: its {} blocks end at {}, not at {}", what, n, expect, span.end()));
  }
  if (starts != nullptr) starts->push_back(static_cast<uint32_t>(span.size));
  *count = n;
  return Status::OK();
}

// A partition follows the one before it, in the partition region and in the data.
bool PartitionInPlace(const PartitionHandle& p, const Footer& f, const PartitionHandle& prev,
                      bool filters) {
  const uint64_t region_end = f.meta_offset();
  return p.offset == prev.end() &&
         (filters ? p.filter_size >= kBlockTrailerSize : p.filter_size == 0) &&
         p.index_size >= kBlockTrailerSize && p.filter_size <= region_end - p.offset &&
         p.index_size <= region_end - p.offset - p.filter_size &&
         p.data.offset == prev.data.end() && p.data.size >= kBlockTrailerSize &&
         p.data.size <= f.data_size - p.data.offset;
}

// Fills m->top_handles from the checked top level.
void DecodeTopLevel(TableMetadata* m) {
  BlockIter it(m->index.get());
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view v = it.value();
    m->top_handles.emplace_back();
    m->top_handles.back().DecodeFrom(&v);  // checked
  }
}

// A two-level table's top level: its partitions tile the partition region, their data
// spans the data region, in order, with increasing keys.
Status CheckTopLevel(TableMetadata* m, uint64_t partitions) {
  const Footer& f = m->footer;
  BlockIter it(m->index.get());
  PartitionHandle prev;  // an empty one at the start of each region
  prev.offset = f.partitions_offset();
  bool filters = false;
  uint64_t n = 0;
  std::string prev_key;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    std::string_view v = it.value();
    PartitionHandle p;
    if (n == 0 && p.DecodeFrom(&v)) filters = p.filter_size != 0;
    v = it.value();
    if (!p.DecodeFrom(&v) || !v.empty() || !PartitionInPlace(p, f, prev, filters) ||
        (n > 0 && it.key() <= std::string_view(prev_key))) {
      return Status::Corruption(fmt::format("top-level index: partition {} is out of place", n));
    }
    prev = p;
    prev_key.assign(it.key());
  }
  BASIN_RETURN_IF_ERROR(it.status().WithContext("top-level index"));
  if (n != m->index->num_restarts()) {
    return Status::Corruption(
        fmt::format("top-level index: {} entries but {} restart points (one per entry)", n,
                    m->index->num_restarts()));
  }
  if (n != partitions || n < 2 || prev.end() != f.meta_offset() || prev.data.end() != f.data_size) {
    return Status::Corruption(fmt::format(
        "top-level index: {} partitions (the properties say {}) do not cover the data and "
        "partition regions",
        n, partitions));
  }
  return Status::OK();
}

// Decodes the meta block and the index it carries into *m.
Status ParseMeta(std::string_view contents, TableMetadata* m) {
  BASIN_ASSIGN_OR_RETURN(MetaBlock meta, MetaBlock::Decode(contents));
  m->two_level = meta.index_levels == kTwoLevelIndex;
  if (m->two_level != (m->footer.partitions_size != 0)) {
    return Status::Corruption(fmt::format(
        "table meta block: a {}-level index, but the footer gives {} bytes of partitions",
        meta.index_levels, m->footer.partitions_size));
  }
  m->file_id = meta.file_id;
  TableProperties& p = m->props;
  p.format_version = static_cast<uint32_t>(kFormatVersion);
  p.entries = meta.entries;
  p.data_blocks = meta.data_blocks;
  p.raw_key_bytes = meta.raw_key_bytes;
  p.raw_value_bytes = meta.raw_value_bytes;
  p.compression = meta.compression;
  p.restart_interval = meta.restart_interval;
  p.first_key = std::move(meta.first_key);
  p.last_key = std::move(meta.last_key);
  p.partitions = m->two_level ? meta.partitions : 0;
  p.filter_fp_estimate = meta.filter_fp_ppb ? *meta.filter_fp_ppb / 1e9 : 0;
  m->filter_bytes = meta.filter_bytes;
  BASIN_ASSIGN_OR_RETURN(m->index, Block::Parse(std::move(meta.index),
                                                m->two_level ? "top-level index" : "table index"));
  if (m->two_level) {
    BASIN_RETURN_IF_ERROR(CheckTopLevel(m, meta.partitions));
    DecodeTopLevel(m);
    m->search = SeparatorIndex(*m->index);
    return Status::OK();
  }
  uint64_t blocks = 0;
  BASIN_RETURN_IF_ERROR(
      CheckHandles(*m->index, {0, m->footer.data_size}, std::nullopt, "table index", &blocks));
  if (blocks != p.data_blocks) {
    return Status::Corruption(fmt::format("table index lists {} data blocks; the properties say {}",
                                          blocks, p.data_blocks));
  }
  m->search = SeparatorIndex(*m->index);
  return Status::OK();
}

void FillSizes(TableMetadata* m) {
  TableProperties& p = m->props;
  p.file_size = m->footer.table_size();
  // Two-level: as the builder recorded them (the partitions hold both).
  p.filter_bytes = std::min(m->filter_bytes, m->footer.partitions_size);
  p.index_bytes =
      m->index->charge() + (m->two_level ? m->footer.partitions_size - p.filter_bytes : 0);
  if (m->bloom) {
    p.filter_bytes = m->bloom->size_bytes();
    p.filter_probes = m->bloom->probes();
    p.filter_fp_estimate = m->bloom->EstimateFalsePositiveRate();
  }
  p.metadata_memory = sizeof(TableMetadata) + m->index->charge() + m->filter_contents.capacity() +
                      m->search.bytes() + m->top_handles.capacity() * sizeof(PartitionHandle) +
                      p.first_key.capacity() + p.last_key.capacity();
}

Status Load(const TableFile& file, std::string_view known, uint64_t known_offset,
            TableMetadata* m) {
  const uint64_t size = file.size();
  if (size < kFooterSize) {
    return Status::Corruption(fmt::format("{} bytes: too short for a table (truncated?)", size));
  }
  Window w{known_offset, known};
  std::string probe, more;
  if (!w.Covers(size - kFooterSize, kFooterSize)) {
    const uint64_t n = std::min(size, kSuffixProbe);
    BASIN_RETURN_IF_ERROR(file.Read(size - n, n, &probe));
    w = {size - n, probe};
  }
  BASIN_ASSIGN_OR_RETURN(m->footer, Footer::Decode(w.Slice(size - kFooterSize, kFooterSize), size));
  const Footer& f = m->footer;
  // The meta block, and a single-level table's filter just before it: one more read at
  // most (a two-level table's filter region holds partitions, read on demand).
  const uint64_t need = f.partitions_size == 0 ? f.filter_offset() : f.meta_offset();
  const uint64_t need_size = size - kFooterSize - need;
  if (!w.Covers(need, need_size)) {
    BASIN_RETURN_IF_ERROR(file.Read(need, need_size, &more));
    w = {need, more};
  }
  Decompressor d;
  std::string contents;
  BASIN_RETURN_IF_ERROR(DecodeStoredBlock(std::string(w.Slice(f.meta_offset(), f.meta_size)),
                                          "meta block", d, &contents));
  BASIN_RETURN_IF_ERROR(ParseMeta(contents, m));
  if (!m->two_level && f.filter_size != 0) {
    BASIN_RETURN_IF_ERROR(DecodeStoredBlock(std::string(w.Slice(f.filter_offset(), f.filter_size)),
                                            "filter block", d, &m->filter_contents));
    auto bloom = BloomReader::Parse(m->filter_contents);
    if (!bloom.ok()) return bloom.status().WithContext("filter block");
    m->bloom = *bloom;
  }
  FillSizes(m);
  return Status::OK();
}

}  // namespace

BlockCache::Key CacheKey(const TableMetadata& m, CachedKind kind, uint64_t offset) {
  return BlockCache::MakeKey(m.file_id, offset | (uint64_t{static_cast<uint8_t>(kind)} << 56));
}

Result<std::shared_ptr<const TableMetadata>> LoadMetadata(const TableFile& file,
                                                          std::string_view known,
                                                          uint64_t known_offset) {
  auto m = std::make_shared<TableMetadata>();
  BASIN_RETURN_IF_ERROR(Load(file, known, known_offset, m.get()).WithContext(file.name()));
  return std::shared_ptr<const TableMetadata>(std::move(m));
}

Status CheckIndexPartition(const Block& partition, std::string_view separator,
                           const PartitionHandle& p, uint64_t* blocks,
                           std::vector<uint32_t>* starts) {
  return CheckHandles(partition, p.data, separator,
                      fmt::format("index partition at offset {}", p.index().offset), blocks,
                      starts);
}

}  // namespace basin::table
