// Opening a table, point lookups, and reading blocks and partitions (through the shared
// block cache, keyed by the table's file id and the offset in the table).
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "basin/table.h"
#include "table/table_reader_impl.h"

namespace basin {
namespace table {
namespace {

// Once an iterator reads blocks in file order, it reads this much at a time.
constexpr uint64_t kReadahead = 256 << 10;

// A stored block's contents, checked: its body when uncompressed (*in_place), else
// decompressed into *owned.
Status CheckedContents(std::string_view stored, Decompressor& decompressor, std::string* owned,
                       std::string_view* contents, bool* in_place) {
  CompressionType type;
  std::string_view body;
  BASIN_RETURN_IF_ERROR(CheckStoredBlock(stored, "", &type, &body));
  *in_place = type == CompressionType::kNone;
  if (*in_place) {
    *contents = body;
    return Status::OK();
  }
  BASIN_RETURN_IF_ERROR(DecompressBody(type, body, "", decompressor, owned));
  *contents = *owned;
  return Status::OK();
}

bool Sequential(const BlockHandle& h, Readahead* ra) {
  ra->run = h.offset == ra->next_expected ? ra->run + 1 : 0;
  ra->next_expected = h.offset + h.size;
  return ra->run >= 2;
}

// Made once: an absent key costs no allocation.
const Status& NotFound() {
  static const Status kNotFound = Status::NotFound("key not in the table");
  return kNotFound;
}

// An absent key: OK with *found false (no status to make or copy).
Status Absent(bool* found) {
  *found = false;
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<const TableMetadata>> Reader::FetchAndLoadMetadata() {
  std::lock_guard lock(mu_);
  if (meta_) return meta_;
  BASIN_RETURN_IF_ERROR(OpenFile());
  BASIN_ASSIGN_OR_RETURN(meta_, LoadMetadata(*file_, {}, 0));
  return meta_;
}

Status Reader::LoadMetadataFrom(std::string_view known, uint64_t known_offset) {
  std::lock_guard lock(mu_);
  BASIN_ASSIGN_OR_RETURN(meta_, LoadMetadata(*file_, known, known_offset));
  return Status::OK();
}

void Reader::LoadCachedMetadata(std::shared_ptr<const TableMetadata> metadata) {
  std::lock_guard lock(mu_);
  meta_ = std::move(metadata);
}

Result<std::shared_ptr<const TableMetadata>> Reader::Metadata() {
  {
    std::lock_guard lock(mu_);
    if (meta_) return meta_;
  }
  return FetchAndLoadMetadata();
}

Status Reader::OpenFile() {
  if (store_ == nullptr) return Status::OK();  // embedded: opened by the caller
  std::call_once(open_once_, [&] {
    auto f = store_->OpenReadable(key_, kSuffixProbe);
    if (f.ok()) {
      std::shared_ptr<ReadableObject> object = std::move(f).value();
      const uint64_t size = object->size();
      file_ = std::make_shared<TableFile>(std::move(object), 0, size, key_);
    } else {
      open_status_ = f.status();
    }
  });
  return open_status_;
}

Status Reader::Lookup(std::string_view key, std::string* value, bool* found) {
  BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
  const TableMetadata& m = *meta;
  if (!m.two_level) {
    if (m.bloom && !m.bloom->MayContain(BloomHash(key))) return Absent(found);
    BASIN_RETURN_IF_ERROR(OpenFile());
    std::call_once(verified_once_, [&] {
      if (!file_->Mapped().empty())
        verified_ = std::make_unique<VerifiedBlocks>(m.props.data_blocks);
    });
    return Find(m, *m.index, m.search, nullptr, verified_.get(), key, value, found);
  }
  BASIN_RETURN_IF_ERROR(OpenFile());  // a cache hit below does not open it
  size_t i = 0;
  BASIN_RETURN_IF_ERROR(m.search.Seek(key, *m.index, &i).WithContext(key_));
  if (i >= m.top_handles.size()) return Absent(found);
  BASIN_ASSIGN_OR_RETURN(auto part, PartitionOf(m, i, /*use_cache=*/true));
  if (part->bloom && !part->bloom->MayContain(BloomHash(key))) return Absent(found);
  // Its checked blocks are of the mapping it was read from (another reader's copy of the
  // table may have put it in the shared cache).
  VerifiedBlocks* verified = part->pin == file_->object() ? part->verified.get() : nullptr;
  return Find(m, *part->index, part->search, part.get(), verified, key, value, found);
}

Status Reader::Find(const TableMetadata& m, const Block& index_block, const SeparatorIndex& search,
                    const Partition* part, VerifiedBlocks* verified, std::string_view key,
                    std::string* value, bool* found) {
  size_t entry = 0;
  BASIN_RETURN_IF_ERROR(search.Seek(key, index_block, &entry).WithContext(key_));
  if (entry >= search.entries()) return Absent(found);
  const uint32_t n = static_cast<uint32_t>(entry);  // the data block's number in the index
  BlockHandle h;
  if (part != nullptr && part->starts.size() == search.entries() + 1) {
    h.offset = part->data_offset + part->starts[n];
    h.size = part->starts[n + 1] - part->starts[n];
  } else {
    std::string_view separator, handle;
    BASIN_RETURN_IF_ERROR(index_block.RestartEntry(n, &separator, &handle).WithContext(key_));
    h.DecodeFrom(&handle);  // checked when the index was loaded
  }
  std::shared_ptr<const Block> owned;
  Block view;
  const Block* block = &view;
  if (verified != nullptr && verified->Test(n)) {
    // Checked before, stored uncompressed: used where it lies, with no copy, no
    // allocation, no cache and no second check of its restart array. Its lines are asked
    // for at once, so that the misses of the search below overlap.
    const std::string_view contents = file_->Mapped().substr(h.offset, h.size - kBlockTrailerSize);
    for (size_t at = 0; at < contents.size(); at += 64) __builtin_prefetch(contents.data() + at);
    Status s = view.SetCheckedView(contents);
    if (!s.ok()) return s.WithContext(Where("data block", h.offset));
  } else {
    bool in_place = false;
    BASIN_ASSIGN_OR_RETURN(owned, DataBlockAt(m, h, /*use_cache=*/true, nullptr, &in_place));
    if (verified != nullptr && in_place) verified->Set(n);
    block = owned.get();
  }
  std::string_view v;
  BASIN_RETURN_IF_ERROR(block->Get(key, found, &v).WithContext(key_));
  if (*found) value->assign(v);
  return Status::OK();
}

Status Reader::GetRange(std::string_view from, std::optional<std::string_view> to,
                        const std::function<bool(std::string_view, std::string_view)>& fn) {
  auto it = NewIterator();
  for (it->Seek(from); it->Valid(); it->Next()) {
    if (to.has_value() && it->key() >= *to) break;
    if (!fn(it->key(), it->value())) break;
  }
  return it->status();
}

Result<TableProperties> Reader::Properties() {
  BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
  return meta->props;
}

std::string Reader::Where(std::string_view what, uint64_t offset) const {
  return fmt::format("{}: {} at offset {}", key_, what, offset);
}

Status Reader::ReadStored(const TableMetadata& m, const BlockHandle& h, Readahead* ra,
                          std::string* stored) {
  if (ra == nullptr || !Sequential(h, ra)) return file_->Read(h.offset, h.size, stored);
  if (h.offset < ra->start || h.offset + h.size > ra->start + ra->window.size()) {
    const uint64_t len = std::min(std::max(kReadahead, h.size), m.data_end() - h.offset);
    BASIN_RETURN_IF_ERROR(file_->Read(h.offset, len, &ra->window));
    ra->start = h.offset;
  }
  stored->assign(ra->window, h.offset - ra->start, h.size);
  return Status::OK();
}

Status Reader::ReadContents(const TableMetadata& m, const BlockHandle& h, Readahead* ra,
                            std::string* owned, std::string_view* contents, bool* in_place) {
  thread_local Decompressor decompressor;
  const std::string_view mapped = file_->Mapped();
  if (!mapped.empty()) {
    if (h.offset > mapped.size() || h.size > mapped.size() - h.offset) {
      return Status::Corruption("lies outside the table");
    }
    return CheckedContents(mapped.substr(h.offset, h.size), decompressor, owned, contents,
                           in_place);
  }
  std::string stored;
  BASIN_RETURN_IF_ERROR(ReadStored(m, h, ra, &stored));
  *in_place = false;
  BASIN_RETURN_IF_ERROR(DecodeStoredBlock(std::move(stored), "", decompressor, owned));
  *contents = *owned;
  return Status::OK();
}

Result<std::shared_ptr<const Block>> Reader::DataBlock(const TableMetadata& m,
                                                       std::string_view handle_bytes,
                                                       bool use_cache, Readahead* ra,
                                                       bool* in_place_out) {
  BlockHandle h;
  if (!h.DecodeFrom(&handle_bytes)) {
    return Status::Corruption(key_ + ": a data block handle does not decode");
  }
  return DataBlockAt(m, h, use_cache, ra, in_place_out);
}

Result<std::shared_ptr<const Block>> Reader::DataBlockAt(const TableMetadata& m,
                                                         const BlockHandle& h, bool use_cache,
                                                         Readahead* ra, bool* in_place_out) {
  if (h.offset > m.data_end() || h.size > m.data_end() - h.offset) {
    return Status::Corruption(key_ + ": a data block handle lies outside the data");
  }
  BlockCache* cache = use_cache ? options_.block_cache.get() : nullptr;
  const BlockCache::Key ck = CacheKey(m, CachedKind::kDataBlock, h.offset);
  if (cache != nullptr) {
    if (auto hit = cache->Lookup(ck)) return std::static_pointer_cast<const Block>(hit);
  }
  BASIN_RETURN_IF_ERROR(OpenFile());
  std::string owned;
  std::string_view contents;
  bool in_place;
  Status s = ReadContents(m, h, ra, &owned, &contents, &in_place);
  if (!s.ok()) return s.WithContext(Where("data block", h.offset));
  auto block = in_place ? Block::ParseView(contents, file_->object(), "")
                        : Block::Parse(std::move(owned), "");
  if (!block.ok()) return block.status().WithContext(Where("data block", h.offset));
  if (cache != nullptr && !in_place) cache->Insert(ck, *block, (*block)->charge());
  if (in_place_out != nullptr) *in_place_out = in_place;
  return block;
}

Status Reader::DecodePartition(std::string_view bytes, std::string_view separator,
                               const PartitionHandle& p, Partition* part) {
  thread_local Decompressor decompressor;
  std::string_view contents;
  bool in_place;
  if (p.filter_size != 0) {
    auto where = [&](const Status& s) {
      return s.WithContext(Where("filter partition", p.offset));
    };
    Status s = CheckedContents(bytes.substr(0, p.filter_size), decompressor, &part->filter_owned,
                               &contents, &in_place);
    if (!s.ok()) return where(s);
    auto bloom = BloomReader::Parse(contents);
    if (!bloom.ok()) return where(bloom.status());
    part->bloom = *bloom;
  }
  auto where = [&](const Status& s) {
    return s.WithContext(Where("index partition", p.index().offset));
  };
  std::string owned;
  Status s =
      CheckedContents(bytes.substr(p.filter_size), decompressor, &owned, &contents, &in_place);
  if (!s.ok()) return where(s);
  // Viewed bytes are the partition's own (raw) or the mapped table's, which it pins.
  auto block =
      in_place ? Block::ParseView(contents, nullptr, "") : Block::Parse(std::move(owned), "");
  if (!block.ok()) return where(block.status());
  part->index = *std::move(block);
  uint64_t blocks = 0;
  BASIN_RETURN_IF_ERROR(
      CheckIndexPartition(*part->index, separator, p, &blocks, &part->starts).WithContext(key_));
  part->data_offset = p.data.offset;
  part->search = SeparatorIndex(*part->index);
  if (part->pin) part->verified = std::make_unique<VerifiedBlocks>(blocks);
  return Status::OK();
}

Result<std::shared_ptr<const Partition>> Reader::PartitionOf(const TableMetadata& m, size_t i,
                                                             bool use_cache) {
  const PartitionHandle& p = m.top_handles[i];
  BlockCache* cache = use_cache ? options_.block_cache.get() : nullptr;
  const BlockCache::Key ck = CacheKey(m, CachedKind::kPartition, p.offset);
  if (cache != nullptr) {
    if (auto hit = cache->Lookup(ck)) return std::static_pointer_cast<const Partition>(hit);
  }
  BASIN_RETURN_IF_ERROR(OpenFile());
  auto part = std::make_shared<Partition>();
  std::string_view bytes;
  const std::string_view mapped = file_->Mapped();
  if (!mapped.empty() && p.end() <= mapped.size()) {
    bytes = mapped.substr(p.offset, p.size());
    part->pin = file_->object();
  } else {
    BASIN_RETURN_IF_ERROR(file_->Read(p.offset, p.size(), &part->raw));
    bytes = part->raw;
  }
  BlockIter top(m.index.get());  // the partition's separator, to check its index
  top.SeekToRestartEntry(static_cast<uint32_t>(i));
  if (!top.Valid()) return top.status().WithContext(key_);
  BASIN_RETURN_IF_ERROR(DecodePartition(bytes, top.key(), p, part.get()));
  if (cache != nullptr) cache->Insert(ck, part, part->charge());
  return std::shared_ptr<const Partition>(std::move(part));
}

}  // namespace table

Status TableReader::GetRow(std::string_view key, std::string* value) {
  bool found = false;
  BASIN_RETURN_IF_ERROR(Lookup(key, value, &found));
  return found ? Status::OK() : table::NotFound();
}

Result<std::unique_ptr<TableReader>> TableReader::Open(std::shared_ptr<ObjectStore> store,
                                                       std::string key,
                                                       const TableOptions& options) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return std::unique_ptr<TableReader>(
      std::make_unique<table::Reader>(std::move(store), std::move(key), options));
}

Result<std::unique_ptr<TableReader>> TableReader::Open(EmbeddedTable t, const TableOptions& options,
                                                       PrefetchedBytes prefetched) {
  if (t.object == nullptr) return Status::InvalidArgument("embedded table: no object");
  const uint64_t size = t.object->size();
  if (t.offset > size || t.length > size - t.offset) {
    return Status::InvalidArgument(
        fmt::format("{}: table range [{}, +{}) lies outside the object of {} bytes", t.name,
                    t.offset, t.length, size));
  }
  // The prefetched bytes, as bytes of the table.
  std::string_view known;
  uint64_t known_offset = 0;
  const uint64_t begin = std::max(t.offset, prefetched.offset);
  const uint64_t end = std::min(
      t.offset + t.length, prefetched.offset + std::min<uint64_t>(prefetched.bytes.size(),
                                                                  UINT64_MAX - prefetched.offset));
  if (begin < end) {
    known = prefetched.bytes.substr(begin - prefetched.offset, end - begin);
    known_offset = begin - t.offset;
  }
  auto reader = std::make_unique<table::Reader>(
      std::make_shared<table::TableFile>(std::move(t.object), t.offset, t.length, t.name), options);
  if (!prefetched.bytes.empty()) {
    BASIN_RETURN_IF_ERROR(reader->LoadMetadataFrom(known, known_offset));
  }
  return std::unique_ptr<TableReader>(std::move(reader));
}

}  // namespace basin
