// Opening a table, point lookups, and reading blocks and partitions (through the shared
// block cache, keyed by the table's file id and the offset in the table).
#include <fmt/format.h>

#include <algorithm>

#include "basin/table.h"
#include "table/table_reader_impl.h"

namespace basin {
namespace table {
namespace {

// Once an iterator reads blocks in file order, it reads this much at a time.
constexpr uint64_t kReadahead = 256 << 10;

bool Sequential(const BlockHandle& h, Readahead* ra) {
  ra->run = h.offset == ra->next_expected ? ra->run + 1 : 0;
  ra->next_expected = h.offset + h.size;
  return ra->run >= 2;
}

Status NotFound() { return Status::NotFound("key not in the table"); }

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

Status Reader::GetRow(std::string_view key, std::string* value) {
  BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
  const TableMetadata& m = *meta;
  if (!m.two_level) {
    if (m.bloom && !m.bloom->MayContain(BloomHash(key))) return NotFound();
    return Find(m, *m.index, key, value);
  }
  BlockIter top(m.index.get());
  top.Seek(key);
  if (!top.Valid()) {
    BASIN_RETURN_IF_ERROR(top.status().WithContext(key_));
    return NotFound();
  }
  std::string_view v = top.value();
  PartitionHandle p;
  if (!p.DecodeFrom(&v)) return Status::Corruption(key_ + ": bad top-level index entry");
  if (p.filter.size != 0) {
    BASIN_ASSIGN_OR_RETURN(auto filter, FilterPartitionOf(m, p, /*use_cache=*/true));
    if (!filter->bloom.MayContain(BloomHash(key))) return NotFound();
  }
  BASIN_ASSIGN_OR_RETURN(auto partition, IndexPartition(m, top.key(), p, /*use_cache=*/true));
  return Find(m, *partition, key, value);
}

// Looks `key` up in the data block `index` names for it.
Status Reader::Find(const TableMetadata& m, const Block& index_block, std::string_view key,
                    std::string* value) {
  BlockIter index(&index_block);
  index.Seek(key);
  if (!index.Valid()) {
    BASIN_RETURN_IF_ERROR(index.status().WithContext(key_));
    return NotFound();
  }
  BASIN_ASSIGN_OR_RETURN(auto block, DataBlock(m, index.value(), /*use_cache=*/true));
  BlockIter it(block.get());
  it.Seek(key);
  if (!it.Valid()) {
    BASIN_RETURN_IF_ERROR(it.status().WithContext(key_));
    return NotFound();
  }
  if (it.key() != key) return NotFound();
  value->assign(it.value());
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
  *in_place = false;
  if (!mapped.empty()) {
    if (h.offset > mapped.size() || h.size > mapped.size() - h.offset) {
      return Status::Corruption("lies outside the table");
    }
    CompressionType type;
    std::string_view body;
    BASIN_RETURN_IF_ERROR(CheckStoredBlock(mapped.substr(h.offset, h.size), "", &type, &body));
    if (type == CompressionType::kNone) {
      *contents = body;
      *in_place = true;
      return Status::OK();
    }
    BASIN_RETURN_IF_ERROR(DecompressBody(type, body, "", decompressor, owned));
  } else {
    std::string stored;
    BASIN_RETURN_IF_ERROR(ReadStored(m, h, ra, &stored));
    BASIN_RETURN_IF_ERROR(DecodeStoredBlock(std::move(stored), "", decompressor, owned));
  }
  *contents = *owned;
  return Status::OK();
}

Result<std::shared_ptr<const Block>> Reader::DataBlock(const TableMetadata& m,
                                                       std::string_view handle_bytes,
                                                       bool use_cache, Readahead* ra) {
  BlockHandle h;
  if (!h.DecodeFrom(&handle_bytes) || h.offset > m.data_end() || h.size > m.data_end() - h.offset) {
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
  // An uncompressed block of a mapped table is used where it lies: the page cache holds
  // it, so it is not cached again.
  auto block = in_place ? Block::ParseView(contents, file_->object(), "")
                        : Block::Parse(std::move(owned), "");
  if (!block.ok()) return block.status().WithContext(Where("data block", h.offset));
  if (cache != nullptr && !in_place) cache->Insert(ck, *block, (*block)->charge());
  return block;
}

Result<std::shared_ptr<const Block>> Reader::IndexPartition(const TableMetadata& m,
                                                            std::string_view separator,
                                                            const PartitionHandle& p,
                                                            bool use_cache) {
  BlockCache* cache = use_cache ? options_.block_cache.get() : nullptr;
  const BlockCache::Key ck = CacheKey(m, CachedKind::kIndexPartition, p.index.offset);
  if (cache != nullptr) {
    if (auto hit = cache->Lookup(ck)) return std::static_pointer_cast<const Block>(hit);
  }
  BASIN_RETURN_IF_ERROR(OpenFile());
  std::string owned;
  std::string_view contents;
  bool in_place;
  Status s = ReadContents(m, p.index, nullptr, &owned, &contents, &in_place);
  if (!s.ok()) return s.WithContext(Where("index partition", p.index.offset));
  auto block = in_place ? Block::ParseView(contents, file_->object(), "")
                        : Block::Parse(std::move(owned), "");
  if (!block.ok()) return block.status().WithContext(Where("index partition", p.index.offset));
  BASIN_RETURN_IF_ERROR(CheckIndexPartition(**block, separator, p).WithContext(key_));
  if (cache != nullptr) cache->Insert(ck, *block, (*block)->charge());
  return block;
}

Result<std::shared_ptr<const FilterPartition>> Reader::FilterPartitionOf(const TableMetadata& m,
                                                                         const PartitionHandle& p,
                                                                         bool use_cache) {
  BlockCache* cache = use_cache ? options_.block_cache.get() : nullptr;
  const BlockCache::Key ck = CacheKey(m, CachedKind::kFilterPartition, p.filter.offset);
  if (cache != nullptr) {
    if (auto hit = cache->Lookup(ck)) return std::static_pointer_cast<const FilterPartition>(hit);
  }
  BASIN_RETURN_IF_ERROR(OpenFile());
  auto f = std::make_shared<FilterPartition>();
  std::string_view contents;
  bool in_place;
  Status s = ReadContents(m, p.filter, nullptr, &f->owned, &contents, &in_place);
  if (!s.ok()) return s.WithContext(Where("filter partition", p.filter.offset));
  if (in_place) {
    f->pin = file_->object();
  } else {
    contents = f->owned;  // the string may have moved
  }
  auto bloom = BloomReader::Parse(contents);
  if (!bloom.ok()) return bloom.status().WithContext(Where("filter partition", p.filter.offset));
  f->bloom = *bloom;
  if (cache != nullptr) cache->Insert(ck, f, f->charge());
  return std::shared_ptr<const FilterPartition>(std::move(f));
}

}  // namespace table

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
