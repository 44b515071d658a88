#include <algorithm>

#include <fmt/format.h>

#include "log/log_reader_impl.h"

namespace basin::log {
namespace {

// Iterates one block file; reassembles fragmented records (docs/format/log.md: a record
// is returned only when its fragments are complete and consecutive).
class FileIterator : public RecordIterator {
 public:
  explicit FileIterator(LogReaderImpl* reader) : reader_(reader) {}

  bool Next() override {
    if (!status_.ok()) return false;
    const auto& blocks = reader_->state().blocks;
    while (true) {
      if (!block_ || rec_ >= block_->records.size()) {
        if (bi_ + 1 >= blocks.size()) {
          bi_ = blocks.size();
          block_.reset();
          return false;  // an open record at the end is dropped
        }
        if (block_ && blocks[bi_ + 1].block_number != blocks[bi_].block_number + 1) {
          open_ = false;  // a gap: the open record lost its fragments
        }
        if (!Load(bi_ + 1)) return false;
        continue;  // the block may hold no records
      }
      const DecodedBlock::Rec& r = block_->records[rec_++];
      const std::string_view payload = block_->payload(r);
      switch (static_cast<RecordType>(r.type)) {
        case RecordType::kFull:
          open_ = false;
          SetCurrent(starts_++);
          value_ = payload;
          return true;
        case RecordType::kFirst:
          open_ = true;
          open_index_ = starts_++;
          open_block_ = bi_;
          assembled_.assign(payload);
          break;
        case RecordType::kMiddle:
          if (open_) assembled_.append(payload);
          break;
        case RecordType::kLast:
          if (!open_) break;  // its beginning was lost
          assembled_.append(payload);
          open_ = false;
          position_ = reader_->Pack(reader_->state().blocks[open_block_].block_number, open_index_);
          entry_ = reader_->state().blocks[open_block_].first_entry + open_index_;
          value_ = assembled_;
          return true;
        default:
          break;
      }
    }
  }

  uint64_t position() const override { return position_; }
  uint64_t entry_id() const override { return entry_; }
  std::string_view value() const override { return value_; }
  const Status& status() const override { return status_; }

  void SeekToFirst() override {
    bi_ = static_cast<size_t>(-1);
    block_.reset();
    open_ = false;
    status_ = Status::OK();
  }

  Status Seek(uint64_t address) override {
    SeekToFirst();
    const LogAddress a = reader_->Unpack(address);
    const size_t i = reader_->FindBlock(a.block);
    if (i == reader_->state().blocks.size()) {
      return End(Status::NotFound(fmt::format("no block {} for address {}", a.block, address)));
    }
    return SeekInBlock(i, a.record_index, address);
  }

  Status SeekToEntry(uint64_t entry) override {
    SeekToFirst();
    const size_t i = reader_->FindEntry(entry);
    if (i == reader_->state().blocks.size()) {
      return End(Status::NotFound(fmt::format("no record with entry id {}", entry)));
    }
    return SeekInBlock(i, static_cast<uint32_t>(entry - reader_->state().blocks[i].first_entry),
                       entry);
  }

 private:
  Status End(Status s) {
    bi_ = reader_->state().blocks.size();
    return s;
  }

  Status SeekInBlock(size_t i, uint32_t index, uint64_t what) {
    if (!Load(i)) return End(status_);
    if (index >= block_->starts.size()) {
      return End(
          Status::NotFound(fmt::format("no record {} in block {} (it holds {}), for {}", index,
                                       block_->info.block_number, block_->starts.size(), what)));
    }
    rec_ = block_->starts[index];
    starts_ = index;
    return Status::OK();
  }

  bool Load(size_t i) {
    auto b = reader_->LoadBlock(i, decompressor_);
    if (!b.ok()) {
      status_ = b.status();
      block_.reset();
      return false;
    }
    block_ = std::move(b).value();
    bi_ = i;
    rec_ = 0;
    starts_ = 0;
    return true;
  }

  void SetCurrent(uint32_t index) {
    position_ = reader_->Pack(block_->info.block_number, index);
    entry_ = block_->info.first_entry + index;
  }

  LogReaderImpl* reader_;
  Decompressor decompressor_;
  size_t bi_ = static_cast<size_t>(-1);  // current block, -1 before the first
  std::shared_ptr<const DecodedBlock> block_;
  size_t rec_ = 0;       // next content record in block_
  uint32_t starts_ = 0;  // records started in block_ before rec_
  bool open_ = false;    // a fragmented record is being assembled
  uint32_t open_index_ = 0;
  size_t open_block_ = 0;
  std::string assembled_;
  std::string_view value_;
  uint64_t position_ = 0, entry_ = 0;
  Status status_;
};

}  // namespace

Result<std::unique_ptr<LogReaderImpl>> LogReaderImpl::Open(std::shared_ptr<ObjectStore> store,
                                                           std::string key,
                                                           const LogOptions& options,
                                                           bool segment_addresses) {
  std::unique_ptr<LogReaderImpl> r(new LogReaderImpl());
  r->store_ = std::move(store);
  r->key_ = std::move(key);
  r->options_ = options;
  r->segment_addresses_ = segment_addresses;
  BASIN_ASSIGN_OR_RETURN(r->state_, LoadLog(*r->store_, r->key_, RecoveryMode::kPointInTime));
  r->info_ = r->state_.ToInfo();
  return r;
}

std::unique_ptr<RecordIterator> LogReaderImpl::NewIterator() {
  return std::make_unique<FileIterator>(this);
}

Result<std::shared_ptr<const DecodedBlock>> LogReaderImpl::LoadBlock(size_t i, Decompressor& d) {
  const BlockInfo& b = state_.blocks[i];
  const bool partial = state_.last_partial && i + 1 == state_.blocks.size();
  BlockCache* cache = options_.block_cache.get();
  const BlockCache::Key key = BlockCache::MakeKey(state_.header.file_id, b.block_offset);
  if (cache != nullptr && !partial) {
    if (auto hit = cache->Lookup(key)) return std::static_pointer_cast<const DecodedBlock>(hit);
  }
  std::string bytes;
  BASIN_RETURN_IF_ERROR(ReadBlockBytes(*store_, key_, state_, i, &bytes));
  auto block = std::make_shared<DecodedBlock>();
  BASIN_RETURN_IF_ERROR(
      DecodeBlock(std::move(bytes), b, !partial, state_.header.block_size, d, block.get())
          .WithContext(key_));
  if (cache != nullptr && !partial) cache->Insert(key, block, block->charge());
  return std::shared_ptr<const DecodedBlock>(std::move(block));
}

uint64_t LogReaderImpl::Pack(uint64_t block_number, uint32_t index) const {
  const LogAddress a{state_.header.segment, block_number, index};
  return segment_addresses_ ? a.PackSegment() : a.PackFile();
}

LogAddress LogReaderImpl::Unpack(uint64_t address) const {
  return segment_addresses_ ? LogAddress::UnpackSegment(address) : LogAddress::UnpackFile(address);
}

size_t LogReaderImpl::FindBlock(uint64_t number) const {
  const auto& b = state_.blocks;
  auto it = std::lower_bound(b.begin(), b.end(), number,
                             [](const BlockInfo& x, uint64_t n) { return x.block_number < n; });
  return it != b.end() && it->block_number == number ? static_cast<size_t>(it - b.begin())
                                                     : b.size();
}

size_t LogReaderImpl::FindEntry(uint64_t entry) const {
  const auto& b = state_.blocks;
  auto it = std::upper_bound(b.begin(), b.end(), entry,
                             [](uint64_t e, const BlockInfo& x) { return e < x.first_entry; });
  while (it != b.begin()) {
    --it;
    if (entry < it->first_entry + it->record_count) return static_cast<size_t>(it - b.begin());
    if (it->record_count > 0) break;
  }
  return b.size();
}

Result<std::string> LogReaderImpl::Get(uint64_t address) {
  FileIterator it(this);
  BASIN_RETURN_IF_ERROR(it.Seek(address));
  if (!it.Next()) {
    if (!it.status().ok()) return it.status();
    return Status::NotFound(fmt::format("the record at address {} is incomplete", address));
  }
  if (it.position() != address) {
    return Status::NotFound(fmt::format("the record at address {} is incomplete", address));
  }
  return std::string(it.value());
}

Result<uint64_t> LogReaderImpl::Verify() {
  if (!state_.damage.empty()) {
    return Status::Corruption(fmt::format("'{}' is damaged at offset {}: {}", key_,
                                          state_.damage[0].offset, state_.damage[0].what));
  }
  Decompressor d;
  for (size_t i = 0; i < state_.blocks.size(); ++i) {
    std::string bytes;
    BASIN_RETURN_IF_ERROR(ReadBlockBytes(*store_, key_, state_, i, &bytes));
    DecodedBlock block;
    const bool partial = state_.last_partial && i + 1 == state_.blocks.size();
    BASIN_RETURN_IF_ERROR(DecodeBlock(std::move(bytes), state_.blocks[i], !partial,
                                      state_.header.block_size, d, &block)
                              .WithContext(key_));
  }
  return state_.record_count();
}

}  // namespace basin::log

namespace basin {

Result<std::unique_ptr<LogReader>> LogReader::Open(std::shared_ptr<ObjectStore> store,
                                                   std::string key, const LogOptions& options) {
  BASIN_ASSIGN_OR_RETURN(
      auto r, log::LogReaderImpl::Open(std::move(store), std::move(key), options, false));
  return std::unique_ptr<LogReader>(std::move(r));
}

}  // namespace basin
