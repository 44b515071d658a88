// Record grammar of a block file (docs/format/log.md):
//   file     := header block* tail?
//   block    := (full | first | middle | last)* trailer  |  compressed trailer
//   tail     := index* metadata? footer
// Each record is [crc32c][type][length][payload]. A compressed record holds
// [codec][size][codec output of: ([type][varint length][payload])*]. A record goes into the
// current block when it fits; otherwise the block is finished, and a record too large for
// an empty block is cut into first / middle* / last fragments.
#include "log/log_writer_impl.h"

#include <algorithm>

#include <fmt/format.h>

#include "basin/coding.h"
#include "basin/crypto.h"
#include "basin/log_recovery.h"

namespace basin::log {

Result<std::unique_ptr<LogWriter>> OpenWriter(std::shared_ptr<ObjectStore> store, std::string key,
                                              const LogOptions& options) {
  BASIN_ASSIGN_OR_RETURN(
      auto w, LogWriterImpl::Open(std::move(store), std::move(key), options, std::nullopt));
  return std::unique_ptr<LogWriter>(std::move(w));
}

LogWriterImpl::LogWriterImpl(std::shared_ptr<ObjectStore> store, std::string key,
                             const LogOptions& options)
    : store_(std::move(store)), key_(std::move(key)), options_(options) {}

LogWriterImpl::~LogWriterImpl() {
  if (started_ && !closed_ && status_.ok()) Flush().IgnoreError();
  StopWorker();
}

Result<std::unique_ptr<LogWriterImpl>> LogWriterImpl::Open(std::shared_ptr<ObjectStore> store,
                                                           std::string key,
                                                           const LogOptions& options,
                                                           std::optional<uint32_t> segment) {
  std::unique_ptr<LogWriterImpl> w(new LogWriterImpl(std::move(store), std::move(key), options));
  BASIN_RETURN_IF_ERROR(w->Start(segment));
  return w;
}

Status LogWriterImpl::StartNew(std::optional<uint32_t> segment) {
  if (options_.block_size < kMinBlockSize || options_.block_size > kMaxBlockSize) {
    return Status::InvalidArgument(fmt::format("block size {} is outside [{}, {}]",
                                               options_.block_size, kMinBlockSize, kMaxBlockSize));
  }
  FileHeader& h = state_.header;
  h.kind = FileKind::kBlockFile;
  h.compression = options_.compression.type;
  h.block_size = options_.block_size;
  h.segment = segment.value_or(0);
  h.first_entry = options_.first_entry;
  RandomBytes(h.file_id);
  state_.layout = options_.layout;
  std::string header;
  AppendRecord(&header, RecordType::kHeader, EncodeHeader(h));
  if (state_.layout == LogLayout::kSingleObject) {
    auto file = store_->OpenAppendable(key_);
    if (file.status().IsNotSupported()) {
      return Status::NotSupported(fmt::format(
          "{} cannot append in place; write the log with one object per block", store_->url()));
    }
    BASIN_RETURN_IF_ERROR(file.status());
    file_ = std::move(file).value();
    if (file_->size() != 0) {
      return Status::AlreadyExists(fmt::format("'{}' appeared while the log was created", key_));
    }
    BASIN_RETURN_IF_ERROR(file_->Append(header));
  } else {
    pending_header_ = std::move(header);
  }
  state_.end = kHeaderRecordSize;
  return Status::OK();
}

Status LogWriterImpl::Start(std::optional<uint32_t> segment) {
  segment_addresses_ = segment.has_value();
  packed_ = options_.compression.type != CompressionType::kNone;
  auto layout = DetectLayout(*store_, key_);
  if (layout.status().IsNotFound()) {
    BASIN_RETURN_IF_ERROR(StartNew(segment));
  } else {
    BASIN_RETURN_IF_ERROR(layout.status());
    BASIN_ASSIGN_OR_RETURN(state_, LoadLog(*store_, key_, options_.recovery));
    if (!state_.sealed) {  // the last writer died: repair first, then load again
      BASIN_RETURN_IF_ERROR(RecoverLog(store_, key_, options_.recovery).status());
      BASIN_ASSIGN_OR_RETURN(state_, LoadLog(*store_, key_, options_.recovery));
    }
    if (segment.has_value() && state_.header.segment != *segment) {
      return Status::Corruption(fmt::format("'{}' says it is segment {}, expected {}", key_,
                                            state_.header.segment, *segment));
    }
    if (state_.layout == LogLayout::kSingleObject) {
      BASIN_ASSIGN_OR_RETURN(file_, store_->OpenAppendable(key_));
      if (file_->size() != state_.size) {
        return Status::IOError(fmt::format("'{}' changed while it was opened", key_));
      }
      BASIN_RETURN_IF_ERROR(file_->Truncate(state_.end));  // appends go where the tail was
    }
    metadata_ = state_.metadata;
    state_.sealed = false;
  }
  next_entry_ = block_first_entry_ = state_.next_entry();
  write_offset_ = state_.end;
  next_number_ = state_.blocks.empty() ? 0 : state_.blocks.back().block_number + 1;
  block_.reserve(state_.header.block_size);
  next_write_ = next_number_;
  if (packed_) {
    const size_t n = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxWorkers);
    for (size_t i = 0; i < n; ++i) workers_.emplace_back([this] { Worker(); });
  }
  started_ = true;
  return Status::OK();
}

uint64_t LogWriterImpl::Address(uint64_t block_number, uint32_t index) const {
  const LogAddress a{state_.header.segment, block_number, index};
  return segment_addresses_ ? a.PackSegment() : a.PackFile();
}

size_t LogWriterImpl::HeaderSize(size_t payload) const {
  return packed_ ? 1 + static_cast<size_t>(VarintLength(payload)) : kRecordHeaderSize;
}

size_t LogWriterImpl::MaxPayload(size_t room) const {
  const size_t header = packed_ ? 1 + static_cast<size_t>(VarintLength(room)) : kRecordHeaderSize;
  return room > header ? room - header : 0;
}

void LogWriterImpl::AddContent(RecordType type, std::string_view payload) {
  if (block_.empty() && !StartsRecord(static_cast<uint8_t>(type))) block_continues_ = true;
  if (packed_) {
    AppendCompact(&block_, type, payload);
    return;
  }
  const size_t at = block_.size();
  block_.append(kRecordHeaderSize, '\0');
  block_.append(payload);
  EncodeRecordHeader(block_.data() + at, type, payload);
}

Result<uint64_t> LogWriterImpl::Append(std::string_view record) {
  if (!status_.ok()) return status_;
  const int number_bits = segment_addresses_ ? kSegmentBlockBits : kFileBlockBits;
  if ((next_number_ + 1 + record.size() / kMinBlockSize) >> number_bits != 0) {
    return Fail(Status::InvalidArgument(fmt::format(
        "log '{}' is full: its blocks have used up their {}-bit numbers", key_, number_bits)));
  }
  if (block_records_ == kMaxRecordsPerBlock) BASIN_RETURN_IF_ERROR(FinishBlock());
  const size_t need = HeaderSize(record.size()) + record.size();
  const size_t empty_room =
      state_.header.block_size - kTrailerSize - (packed_ ? kPackedOverhead : 0);
  // The record starts in a new block when it does not fit here but fits an empty block,
  // or when not even a fragment of it fits here.
  if (need > Room() && !block_.empty() && (need <= empty_room || MaxPayload(Room()) == 0)) {
    BASIN_RETURN_IF_ERROR(FinishBlock());
  }
  ++next_entry_;  // blocks finished from here on start after this record
  const uint64_t address = Address(next_number_, block_records_++);
  if (need <= Room()) {
    AddContent(RecordType::kFull, record);
    return address;
  }
  // Larger than a block: first / middle* / last.
  size_t n = MaxPayload(Room());
  AddContent(RecordType::kFirst, record.substr(0, n));
  record.remove_prefix(n);
  BASIN_RETURN_IF_ERROR(FinishBlock());
  while (HeaderSize(record.size()) + record.size() > Room()) {
    n = MaxPayload(Room());
    AddContent(RecordType::kMiddle, record.substr(0, n));
    record.remove_prefix(n);
    BASIN_RETURN_IF_ERROR(FinishBlock());
  }
  AddContent(RecordType::kLast, record);
  return address;
}

Status LogWriterImpl::FinishBlock(bool even_if_empty) {
  if (block_.empty() && !even_if_empty) return Status::OK();
  Pending p;
  p.info = BlockInfo{next_number_,
                     0,
                     0,
                     block_first_entry_,
                     block_records_,
                     static_cast<uint8_t>(block_continues_ ? kBlockContinues : 0)};
  p.written = block_written_;
  if (packed_) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return queue_.size() < kMaxQueued || !worker_status_.ok(); });
    if (!worker_status_.ok()) return Fail(worker_status_);
    p.content = std::move(block_);
    if (!spares_.empty()) {
      block_ = std::move(spares_.back());
      spares_.pop_back();
    }
    queue_.push_back(std::move(p));
    cv_.notify_all();
  } else {
    p.content = std::move(block_);
    Status s = Write(p);
    block_ = std::move(p.content);
    if (!s.ok()) return Fail(s);
  }
  block_.clear();
  block_.reserve(state_.header.block_size);
  ++next_number_;
  block_written_ = 0;
  block_records_ = 0;
  block_continues_ = false;
  block_first_entry_ = next_entry_;
  return Status::OK();
}

Status LogWriterImpl::Pack(Pending& p, Compressor& compressor) {
  // [codec][size][codec output]; stored as is (codec none) when compression does not help.
  std::string payload(1, static_cast<char>(options_.compression.type));
  PutVarint64(&payload, p.content.size());
  const size_t prefix = payload.size();
  BASIN_RETURN_IF_ERROR(compressor.Compress(p.content, &payload));
  if (payload.size() - prefix >= p.content.size()) {
    payload.resize(prefix);
    payload[0] = static_cast<char>(CompressionType::kNone);
    payload.append(p.content);
  }
  p.stored.clear();
  AppendRecord(&p.stored, RecordType::kCompressed, payload);
  p.info.flags |= kBlockCompressed;
  return Status::OK();
}

Status LogWriterImpl::Write(Pending& p) {
  const std::string_view stored = packed_ ? std::string_view(p.stored) : p.content;
  {
    std::lock_guard lock(mu_);
    p.info.block_offset = write_offset_;
  }
  p.info.content_size = static_cast<uint32_t>(stored.size());
  std::string trailer;
  AppendRecord(&trailer, RecordType::kTrailer, EncodeBlockInfo(p.info));
  if (state_.layout == LogLayout::kSingleObject) {
    BASIN_RETURN_IF_ERROR(file_->Append(stored.substr(packed_ ? 0 : p.written)));
    BASIN_RETURN_IF_ERROR(file_->Append(trailer));
  } else {
    std::string object = p.info.block_number == 0 ? pending_header_ : std::string();
    object.append(stored);
    object.append(trailer);
    BASIN_RETURN_IF_ERROR(
        store_->Put(BlockObjectName(key_, p.info.block_number), object, PutMode::kCreateOnly)
            .WithContext(fmt::format("writing block {} of '{}'", p.info.block_number, key_)));
  }
  std::lock_guard lock(mu_);
  state_.blocks.push_back(p.info);
  write_offset_ = p.info.end();
  return Status::OK();
}

// Each worker compresses the blocks it takes, then waits for its turn to write, so that
// blocks reach the store in order while several compress at once.
void LogWriterImpl::Worker() {
  Compressor compressor(options_.compression);
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    cv_.notify_all();  // room in the queue
    lock.unlock();
    Status s = Pack(p, compressor);
    lock.lock();
    cv_.wait(lock, [&] { return next_write_ == p.info.block_number; });
    if (s.ok() && worker_status_.ok()) {
      lock.unlock();
      s = Write(p);
      lock.lock();
    }
    if (!s.ok() && worker_status_.ok()) worker_status_ = s;
    ++next_write_;
    --busy_;
    p.content.clear();
    spares_.push_back(std::move(p.content));
    cv_.notify_all();
  }
}

Status LogWriterImpl::Drain() {
  if (workers_.empty()) return Status::OK();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
  return worker_status_;
}

void LogWriterImpl::StopWorker() {
  if (workers_.empty()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

uint64_t LogWriterImpl::bytes_written() {
  std::lock_guard lock(mu_);
  return write_offset_;
}

Status LogWriterImpl::Flush() {
  if (!status_.ok()) return status_;
  if (state_.layout == LogLayout::kSingleObject && !packed_) {
    // Whole records become visible; the block goes on.
    if (Status s = file_->Append(std::string_view(block_).substr(block_written_)); !s.ok()) {
      return Fail(s);
    }
    block_written_ = block_.size();
  } else {
    BASIN_RETURN_IF_ERROR(FinishBlock());
    if (Status s = Drain(); !s.ok()) return Fail(s);
  }
  if (file_) {
    if (Status s = file_->Flush(); !s.ok()) return Fail(s);
  }
  return Status::OK();
}

Status LogWriterImpl::Sync() {
  BASIN_RETURN_IF_ERROR(Flush());
  if (file_) {
    if (Status s = file_->Sync(); !s.ok()) return Fail(s);
  }
  return Status::OK();
}

Status LogWriterImpl::Close() {
  if (!status_.ok()) return status_;
  // An object-per-block log always has block 0: it carries the header.
  const bool need_block0 = state_.layout == LogLayout::kObjectPerBlock && next_number_ == 0;
  BASIN_RETURN_IF_ERROR(FinishBlock(need_block0));
  if (Status s = Drain(); !s.ok()) return Fail(s);
  StopWorker();
  state_.end = write_offset_;
  state_.metadata = metadata_;
  const std::string tail = EncodeTail(state_);
  Status s;
  if (state_.layout == LogLayout::kSingleObject) {
    s = file_->Append(tail);
    if (s.ok()) s = file_->Sync();
  } else {
    s = store_->Put(FooterObjectName(key_), tail, PutMode::kOverwrite);
  }
  if (!s.ok()) return Fail(s);
  closed_ = true;
  status_ = Status::InvalidArgument(fmt::format("log writer for '{}' is closed", key_));
  return Status::OK();
}

}  // namespace basin::log

namespace basin {

Result<std::unique_ptr<LogWriter>> LogWriter::Open(std::shared_ptr<ObjectStore> store,
                                                   std::string key, const LogOptions& options) {
  return log::OpenWriter(std::move(store), std::move(key), options);
}

}  // namespace basin
