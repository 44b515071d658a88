#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "basin/coding.h"
#include "basin/table.h"
#include "table/block.h"
#include "table/bloom.h"
#include "table/table_format.h"

namespace basin {

// Loaded once per table, shared by its readers; never changes after it is built.
struct TableMetadata {
  TableProperties props;
  uint64_t data_end = 0;  // where the data blocks end
  std::array<uint8_t, 16> file_id{};
  std::shared_ptr<const table::Block> index;
  std::string filter_contents;
  std::optional<table::BloomReader> bloom;  // points into filter_contents
};

namespace {

using table::Block;
using table::BlockHandle;
using table::BlockIter;

constexpr uint64_t kSuffixProbe = 64 << 10;
// Once an iterator reads blocks in file order, it reads this much at a time.
constexpr uint64_t kReadahead = 256 << 10;

// An iterator's readahead: after two blocks read in file order, blocks come out of a
// window read in one call.
struct Readahead {
  std::string window;
  uint64_t start = 0;
  uint64_t next_expected = UINT64_MAX;
  int run = 0;
};

Status ParseMeta(std::string_view meta, TableMetadata* m) {
  auto bad = [](std::string_view what) {
    return Status::Corruption(fmt::format("table meta block: {}", what));
  };
  if (meta.empty() || static_cast<uint8_t>(meta[0]) != table::kPropertiesVersion) {
    return bad("unknown properties version");
  }
  meta.remove_prefix(1);
  TableProperties& p = m->props;
  uint64_t restart = 0;
  std::string_view file_id, first, last, index;
  if (!GetVarint64(&meta, &p.entries) || !GetVarint64(&meta, &p.data_blocks) ||
      !GetVarint64(&meta, &p.raw_key_bytes) || !GetVarint64(&meta, &p.raw_value_bytes) ||
      meta.empty()) {
    return bad("properties cut off");
  }
  const auto compression = static_cast<uint8_t>(meta[0]);
  meta.remove_prefix(1);
  if (!IsKnownCompression(compression) || !GetVarint64(&meta, &restart) ||
      !GetBytes(&meta, 16, &file_id) || !GetLengthPrefixed(&meta, &first) ||
      !GetLengthPrefixed(&meta, &last) || !GetLengthPrefixed(&meta, &index) || !meta.empty()) {
    return bad("properties or index cut off");
  }
  p.compression = static_cast<CompressionType>(compression);
  p.restart_interval = static_cast<uint32_t>(restart);
  p.first_key.assign(first);
  p.last_key.assign(last);
  std::memcpy(m->file_id.data(), file_id.data(), 16);
  BASIN_ASSIGN_OR_RETURN(m->index, Block::Parse(std::string(index), "table index"));
  return Status::OK();
}

// The index's entries must point at data blocks that tile [0, data_end) in order.
Status CheckIndex(const TableMetadata& m, uint64_t data_end) {
  BlockIter it(m.index.get());
  uint64_t expect = 0, blocks = 0;
  std::string prev;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view v = it.value();
    BlockHandle h;
    if (!h.DecodeFrom(&v) || !v.empty() || h.offset != expect ||
        h.size < table::kBlockTrailerSize || h.size > data_end - expect ||
        (blocks > 0 && it.key() <= std::string_view(prev))) {
      return Status::Corruption(fmt::format("table index entry {} is out of place", blocks));
    }
    expect += h.size;
    prev.assign(it.key());
    ++blocks;
  }
  BASIN_RETURN_IF_ERROR(it.status());
  if (expect != data_end || blocks != m.props.data_blocks) {
    return Status::Corruption(
        fmt::format("table index lists {} blocks ending at {}; the data "
                    "region holds {} blocks ending at {}",
                    blocks, expect, m.props.data_blocks, data_end));
  }
  return Status::OK();
}

class Reader;

// Walks the index and, inside each block it names, the entries.
class TwoLevelIterator : public TableIterator {
 public:
  TwoLevelIterator(Reader* reader, std::shared_ptr<const TableMetadata> meta)
      : reader_(reader), meta_(std::move(meta)), index_(meta_->index.get()) {}

  bool Valid() const override { return data_.has_value() && data_->Valid(); }
  void SeekToFirst() override {
    index_.SeekToFirst();
    if (LoadBlock()) data_->SeekToFirst();
    SkipForward();
  }
  void SeekToLast() override {
    index_.SeekToLast();
    if (LoadBlock()) data_->SeekToLast();
    SkipBackward();
  }
  void Seek(std::string_view target) override {
    index_.Seek(target);
    if (LoadBlock()) data_->Seek(target);
    SkipForward();
  }
  void Next() override {
    data_->Next();
    SkipForward();
  }
  void Prev() override {
    data_->Prev();
    SkipBackward();
  }
  std::string_view key() const override { return data_->key(); }
  std::string_view value() const override { return data_->value(); }
  const Status& status() const override {
    if (!status_.ok()) return status_;
    if (!index_.status().ok()) return index_.status();
    if (data_.has_value()) return data_->status();
    return status_;
  }

 private:
  bool LoadBlock();
  void SkipForward() {
    while (data_.has_value() && !data_->Valid() && data_->status().ok()) {
      index_.Next();
      if (!LoadBlock()) return;
      data_->SeekToFirst();
    }
  }
  void SkipBackward() {
    while (data_.has_value() && !data_->Valid() && data_->status().ok()) {
      index_.Prev();
      if (!LoadBlock()) return;
      data_->SeekToLast();
    }
  }

  Reader* reader_;
  std::shared_ptr<const TableMetadata> meta_;
  BlockIter index_;
  std::shared_ptr<const Block> block_;
  std::optional<BlockIter> data_;
  Readahead readahead_;
  Status status_;
};

class Reader : public TableReader {
 public:
  Reader(std::shared_ptr<ObjectStore> store, std::string key, const TableOptions& options)
      : store_(std::move(store)), key_(std::move(key)), options_(options) {}

  Result<std::shared_ptr<const TableMetadata>> FetchAndLoadMetadata() override {
    std::lock_guard lock(mu_);
    if (meta_) return meta_;
    BASIN_RETURN_IF_ERROR(OpenFile());
    auto m = std::make_shared<TableMetadata>();
    BASIN_RETURN_IF_ERROR(Load(m.get()).WithContext(key_));
    meta_ = std::move(m);
    return meta_;
  }

  void LoadCachedMetadata(std::shared_ptr<const TableMetadata> metadata) override {
    std::lock_guard lock(mu_);
    meta_ = std::move(metadata);
  }

  Status GetRow(std::string_view key, std::string* value) override {
    BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
    if (meta->bloom && !meta->bloom->MayContain(table::BloomHash(key))) {
      return Status::NotFound("key not in the table");
    }
    BlockIter index(meta->index.get());
    index.Seek(key);
    if (!index.Valid()) {
      BASIN_RETURN_IF_ERROR(index.status().WithContext(key_));
      return Status::NotFound("key not in the table");
    }
    BASIN_ASSIGN_OR_RETURN(auto block, ReadBlock(*meta, index.value()));
    BlockIter it(block.get());
    it.Seek(key);
    if (!it.Valid()) {
      BASIN_RETURN_IF_ERROR(it.status().WithContext(key_));
      return Status::NotFound("key not in the table");
    }
    if (it.key() != key) return Status::NotFound("key not in the table");
    value->assign(it.value());
    return Status::OK();
  }

  Status GetRange(std::string_view from, std::optional<std::string_view> to,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override {
    auto it = NewIterator();
    for (it->Seek(from); it->Valid(); it->Next()) {
      if (to.has_value() && it->key() >= *to) break;
      if (!fn(it->key(), it->value())) break;
    }
    return it->status();
  }

  std::unique_ptr<TableIterator> NewIterator() override;

  Result<TableProperties> Properties() override {
    BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
    return meta->props;
  }

  Result<std::vector<TableBlock>> Blocks() override {
    BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
    std::vector<TableBlock> out;
    BlockIter index(meta->index.get());
    for (index.SeekToFirst(); index.Valid(); index.Next()) {
      std::string_view v = index.value();
      BlockHandle h;
      h.DecodeFrom(&v);
      out.push_back({h.offset, h.size, std::string(index.key())});
    }
    BASIN_RETURN_IF_ERROR(index.status());
    return out;
  }

  Status Verify() override {
    BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
    BlockIter index(meta->index.get());
    std::string prev_key;
    uint64_t n = 0, entries = 0;
    for (index.SeekToFirst(); index.Valid(); index.Next(), ++n) {
      std::string_view hv = index.value();
      BlockHandle h;
      h.DecodeFrom(&hv);
      BASIN_ASSIGN_OR_RETURN(auto block, ReadBlock(*meta, index.value(), /*use_cache=*/false));
      BlockIter it(block.get());
      for (it.SeekToFirst(); it.Valid(); it.Next(), ++entries) {
        if ((entries > 0 && it.key() <= std::string_view(prev_key)) || it.key() > index.key()) {
          return Status::Corruption(
              fmt::format("{}: data block {} at offset {}: keys out of order", key_, n, h.offset));
        }
        prev_key.assign(it.key());
      }
      BASIN_RETURN_IF_ERROR(it.status().WithContext(
          fmt::format("{}: data block {} at offset {}", key_, n, h.offset)));
    }
    BASIN_RETURN_IF_ERROR(index.status());
    if (entries != meta->props.entries) {
      return Status::Corruption(fmt::format("{}: {} entries found, the properties say {}", key_,
                                            entries, meta->props.entries));
    }
    return Status::OK();
  }

  // A data block, through the shared cache; `readahead` (iterators) may read ahead.
  Result<std::shared_ptr<const Block>> ReadBlock(const TableMetadata& meta,
                                                 std::string_view handle_bytes,
                                                 bool use_cache = true,
                                                 Readahead* readahead = nullptr) {
    BlockHandle h;
    if (!h.DecodeFrom(&handle_bytes)) return Status::Corruption(key_ + ": bad block handle");
    BlockCache* cache = use_cache ? options_.block_cache.get() : nullptr;
    const BlockCache::Key ck = BlockCache::MakeKey(meta.file_id, h.offset);
    if (cache != nullptr) {
      if (auto hit = cache->Lookup(ck)) return std::static_pointer_cast<const Block>(hit);
    }
    BASIN_RETURN_IF_ERROR(OpenFile());
    const std::string_view mapped = file_->Mapped();
    if (!mapped.empty()) return ReadMapped(meta, h, mapped, cache, ck);
    std::string stored, contents;
    if (readahead != nullptr && Sequential(h, readahead)) {
      if (h.offset < readahead->start ||
          h.offset + h.size > readahead->start + readahead->window.size()) {
        const uint64_t len = std::min(std::max(kReadahead, h.size),
                                      meta.data_end - std::min(meta.data_end, h.offset));
        BASIN_RETURN_IF_ERROR(file_->Read(h.offset, std::max(len, h.size), &readahead->window));
        readahead->start = h.offset;
      }
      stored.assign(readahead->window, h.offset - readahead->start, h.size);
    } else {
      BASIN_RETURN_IF_ERROR(file_->Read(h.offset, h.size, &stored));
    }
    thread_local Decompressor decompressor;
    const std::string what = fmt::format("{}: data block at offset {}", key_, h.offset);
    BASIN_RETURN_IF_ERROR(
        table::DecodeStoredBlock(std::move(stored), what, decompressor, &contents));
    BASIN_ASSIGN_OR_RETURN(auto block, Block::Parse(std::move(contents), what));
    if (cache != nullptr) cache->Insert(ck, block, block->charge());
    return block;
  }

 private:
  // A block of a mapped file: checked in place; an uncompressed one is used where it lies
  // (the page cache holds it, so it is not cached again), a compressed one is decompressed
  // and cached.
  Result<std::shared_ptr<const Block>> ReadMapped(const TableMetadata& meta, const BlockHandle& h,
                                                  std::string_view mapped, BlockCache* cache,
                                                  const BlockCache::Key& ck) {
    if (h.offset > mapped.size() || h.size > mapped.size() - h.offset ||
        h.offset + h.size > meta.data_end) {
      return Status::Corruption(
          fmt::format("{}: block handle at {} lies outside the data", key_, h.offset));
    }
    auto where = [&](Status s) {
      return s.ok() ? s : s.WithContext(fmt::format("{}: data block at offset {}", key_, h.offset));
    };
    CompressionType type;
    std::string_view body;
    BASIN_RETURN_IF_ERROR(
        where(table::CheckStoredBlock(mapped.substr(h.offset, h.size), "", &type, &body)));
    if (type == CompressionType::kNone) {
      auto block = Block::ParseView(body, file_, "");
      if (!block.ok()) return where(block.status());
      return block;
    }
    thread_local Decompressor decompressor;
    std::string contents;
    BASIN_RETURN_IF_ERROR(where(table::DecompressBody(type, body, "", decompressor, &contents)));
    auto block = Block::Parse(std::move(contents), "");
    if (!block.ok()) return where(block.status());
    if (cache != nullptr) cache->Insert(ck, *block, (*block)->charge());
    return block;
  }

  static bool Sequential(const BlockHandle& h, Readahead* ra) {
    ra->run = h.offset == ra->next_expected ? ra->run + 1 : 0;
    ra->next_expected = h.offset + h.size;
    return ra->run >= 2;
  }

  Result<std::shared_ptr<const TableMetadata>> Metadata() {
    {
      std::lock_guard lock(mu_);
      if (meta_) return meta_;
    }
    return FetchAndLoadMetadata();
  }

  Status OpenFile() {
    std::call_once(open_once_, [&] {
      auto f = store_->OpenReadable(key_, kSuffixProbe);
      if (f.ok()) {
        file_ = std::move(f).value();
      } else {
        open_status_ = f.status();
      }
    });
    return open_status_;
  }

  // Footer, meta and filter, from one suffix read when they fit in it.
  Status Load(TableMetadata* m) {
    const uint64_t size = file_->size();
    if (size < table::kFooterSize) {
      return Status::Corruption(fmt::format("{} bytes: too short for a table (truncated?)", size));
    }
    const uint64_t probe = std::min(size, kSuffixProbe);
    std::string tail;
    BASIN_RETURN_IF_ERROR(file_->Read(size - probe, probe, &tail));
    BASIN_ASSIGN_OR_RETURN(
        table::Footer f,
        table::Footer::Decode(std::string_view(tail).substr(probe - table::kFooterSize), size));
    auto stored = [&](const BlockHandle& h, std::string* out) -> Status {
      if (h.offset >= size - probe) {
        out->assign(tail, h.offset - (size - probe), h.size);
        return Status::OK();
      }
      return file_->Read(h.offset, h.size, out);
    };
    Decompressor d;
    std::string bytes, meta;
    BASIN_RETURN_IF_ERROR(stored(f.meta, &bytes));
    BASIN_RETURN_IF_ERROR(table::DecodeStoredBlock(std::move(bytes), "meta block", d, &meta));
    BASIN_RETURN_IF_ERROR(ParseMeta(meta, m));
    uint64_t data_end = f.meta.offset;
    if (f.filter.size != 0) {
      BASIN_RETURN_IF_ERROR(stored(f.filter, &bytes));
      BASIN_RETURN_IF_ERROR(
          table::DecodeStoredBlock(std::move(bytes), "filter block", d, &m->filter_contents));
      BASIN_ASSIGN_OR_RETURN(auto bloom, table::BloomReader::Parse(m->filter_contents));
      m->bloom = bloom;
      data_end = f.filter.offset;
    }
    BASIN_RETURN_IF_ERROR(CheckIndex(*m, data_end));
    m->data_end = data_end;
    TableProperties& p = m->props;
    p.file_size = size;
    p.index_bytes = m->index->charge();
    p.filter_bytes = m->bloom ? m->bloom->size_bytes() : 0;
    p.filter_probes = m->bloom ? m->bloom->probes() : 0;
    p.filter_fp_estimate = m->bloom ? m->bloom->EstimateFalsePositiveRate() : 1.0;
    p.metadata_memory = sizeof(TableMetadata) + p.index_bytes + m->filter_contents.capacity() +
                        p.first_key.capacity() + p.last_key.capacity();
    return Status::OK();
  }

  std::shared_ptr<ObjectStore> store_;
  const std::string key_;
  const TableOptions options_;
  std::mutex mu_;
  std::shared_ptr<const TableMetadata> meta_;
  std::once_flag open_once_;
  Status open_status_;
  std::shared_ptr<ReadableObject> file_;  // shared: blocks of a mapped file pin it
};

bool TwoLevelIterator::LoadBlock() {
  data_.reset();
  block_.reset();
  if (!index_.Valid()) return false;
  auto b = reader_->ReadBlock(*meta_, index_.value(), true, &readahead_);
  if (!b.ok()) {
    status_ = b.status();
    return false;
  }
  block_ = std::move(b).value();
  data_.emplace(block_.get());
  return true;
}

std::unique_ptr<TableIterator> Reader::NewIterator() {
  auto meta = Metadata();
  if (!meta.ok()) {
    // An iterator that is never valid and reports why.
    class Failed : public TableIterator {
     public:
      explicit Failed(Status s) : s_(std::move(s)) {}
      bool Valid() const override { return false; }
      void SeekToFirst() override {}
      void SeekToLast() override {}
      void Seek(std::string_view) override {}
      void Next() override {}
      void Prev() override {}
      std::string_view key() const override { return {}; }
      std::string_view value() const override { return {}; }
      const Status& status() const override { return s_; }

     private:
      Status s_;
    };
    return std::make_unique<Failed>(meta.status());
  }
  return std::make_unique<TwoLevelIterator>(this, *meta);
}

}  // namespace

Result<std::unique_ptr<TableReader>> TableReader::Open(std::shared_ptr<ObjectStore> store,
                                                       std::string key,
                                                       const TableOptions& options) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return std::unique_ptr<TableReader>(
      std::make_unique<Reader>(std::move(store), std::move(key), options));
}

}  // namespace basin
