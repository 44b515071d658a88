// Record grammar of a block file (docs/format/log.md):
//   file    := header block* tail?
//   block   := (full | first | middle | last)* trailer  |  compressed trailer
//   tail    := index* metadata? footer
// Each record is [crc32c][type][length][payload]. A record goes into the current block
// when it fits; otherwise the block is finished, and a record too large for an empty block
// is cut into first / middle* / last fragments.
#include "log/log_writer_impl.h"

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
    : store_(std::move(store)),
      key_(std::move(key)),
      options_(options),
      compressor_(options.compression) {}

LogWriterImpl::~LogWriterImpl() {
  if (started_ && !closed_ && status_.ok()) Flush().IgnoreError();
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
    state_.sealed = false;
  }
  next_entry_ = block_first_entry_ = state_.next_entry();
  block_offset_ = state_.end;
  next_number_ = state_.blocks.empty() ? 0 : state_.blocks.back().block_number + 1;
  block_.reserve(state_.header.block_size);
  started_ = true;
  return Status::OK();
}

uint64_t LogWriterImpl::Pack(uint64_t offset, uint32_t index) const {
  LogAddress a{state_.header.segment, offset, index};
  return segment_addresses_ ? a.PackSegment() : a.PackFile();
}

void LogWriterImpl::AddContent(RecordType type, std::string_view payload) {
  if (block_.empty() && !StartsRecord(static_cast<uint8_t>(type))) block_continues_ = true;
  const size_t at = block_.size();
  block_.append(kRecordHeaderSize, '\0');
  block_.append(payload);
  EncodeRecordHeader(block_.data() + at, type, payload);
}

Result<uint64_t> LogWriterImpl::Append(std::string_view record) {
  if (!status_.ok()) return status_;
  const int offset_bits = segment_addresses_ ? kSegmentOffsetBits : kFileOffsetBits;
  if ((block_offset_ + state_.header.block_size) >> offset_bits != 0) {
    return Fail(Status::InvalidArgument(fmt::format(
        "log '{}' is full: blocks past offset 2^{} cannot be addressed", key_, offset_bits)));
  }
  if (block_records_ == kMaxRecordsPerBlock) BASIN_RETURN_IF_ERROR(FinishBlock());
  const size_t need = kRecordHeaderSize + record.size();
  const size_t empty_room = state_.header.block_size - kTrailerSize;
  // The record starts in a new block when it does not fit here but fits an empty block,
  // or when not even a fragment of it fits here.
  if (need > Room() && !block_.empty() && (need <= empty_room || Room() <= kRecordHeaderSize)) {
    BASIN_RETURN_IF_ERROR(FinishBlock());
  }
  ++next_entry_;  // blocks finished from here on start after this record
  if (need <= Room()) {
    const uint64_t address = Pack(block_offset_, block_records_++);
    AddContent(RecordType::kFull, record);
    return address;
  }
  // Larger than a block: first / middle* / last.
  const uint64_t address = Pack(block_offset_, block_records_++);
  size_t n = Room() - kRecordHeaderSize;
  AddContent(RecordType::kFirst, record.substr(0, n));
  record.remove_prefix(n);
  BASIN_RETURN_IF_ERROR(FinishBlock());
  while (kRecordHeaderSize + record.size() > Room()) {
    n = Room() - kRecordHeaderSize;
    AddContent(RecordType::kMiddle, record.substr(0, n));
    record.remove_prefix(n);
    BASIN_RETURN_IF_ERROR(FinishBlock());
  }
  AddContent(RecordType::kLast, record);
  return address;
}

Status LogWriterImpl::FinishBlock(bool even_if_empty) {
  if (block_.empty() && !even_if_empty) return Status::OK();
  BlockInfo info{next_number_,
                 block_offset_,
                 0,
                 block_first_entry_,
                 block_records_,
                 static_cast<uint8_t>(block_continues_ ? kBlockContinues : 0)};
  std::string_view stored = block_;
  if (options_.compression.type != CompressionType::kNone && block_written_ == 0 &&
      !block_.empty()) {
    std::string payload(1, static_cast<char>(options_.compression.type));
    PutVarint64(&payload, block_.size());
    if (Status s = compressor_.Compress(block_, &payload); !s.ok()) return Fail(s);
    if (kRecordHeaderSize + payload.size() < block_.size()) {  // only when it helps
      compressed_.clear();
      AppendRecord(&compressed_, RecordType::kCompressed, payload);
      stored = compressed_;
      info.flags |= kBlockCompressed;
    }
  }
  info.content_size = static_cast<uint32_t>(stored.size());
  BASIN_RETURN_IF_ERROR(WriteBlock(info, stored));
  state_.blocks.push_back(info);
  block_offset_ = info.end();
  ++next_number_;
  block_.clear();
  block_written_ = 0;
  block_records_ = 0;
  block_continues_ = false;
  block_first_entry_ = next_entry_;
  return Status::OK();
}

Status LogWriterImpl::WriteBlock(const BlockInfo& info, std::string_view stored) {
  std::string trailer;
  AppendRecord(&trailer, RecordType::kTrailer, EncodeBlockInfo(info));
  if (state_.layout == LogLayout::kSingleObject) {
    Status s = file_->Append(stored.substr(info.compressed() ? 0 : block_written_));
    if (s.ok()) s = file_->Append(trailer);
    return s.ok() ? s : Fail(s);
  }
  std::string object = info.block_number == 0 ? pending_header_ : std::string();
  object.append(stored);
  object.append(trailer);
  Status s = store_->Put(BlockObjectName(key_, info.block_number), object, PutMode::kCreateOnly);
  return s.ok() ? s
                : Fail(s.WithContext(
                      fmt::format("writing block {} of '{}'", info.block_number, key_)));
}

Status LogWriterImpl::Flush() {
  if (!status_.ok()) return status_;
  if (state_.layout == LogLayout::kSingleObject &&
      options_.compression.type == CompressionType::kNone) {
    // Whole records become visible; the block goes on.
    if (Status s = file_->Append(std::string_view(block_).substr(block_written_)); !s.ok()) {
      return Fail(s);
    }
    block_written_ = block_.size();
  } else {
    BASIN_RETURN_IF_ERROR(FinishBlock());
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
  state_.end = block_offset_;
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
