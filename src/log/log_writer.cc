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

namespace basin::log {

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

Status LogWriterImpl::FinishBlock() {
  if (block_.empty()) return Status::OK();
  Pending p;
  p.info = BlockInfo{next_number_,
                     0,
                     0,
                     block_first_entry_,
                     block_records_,
                     static_cast<uint8_t>(block_continues_ ? kBlockContinues : 0)};
  p.written = block_written_;
  p.content = std::move(block_);
  Status s;
  if (packed_) {
    s = compress_->Submit(std::move(p));
    if (s.ok() && upload_) s = MoveCompressedToUpload();
  } else if (upload_) {
    Place(p);
    s = upload_->Submit(std::move(p));
  } else {
    Place(p);
    s = WriteToFile(p);
    if (s.ok()) Written(p);
  }
  if (!s.ok()) return Fail(s);
  {  // a recycled buffer for the next block (a moved-from string keeps no capacity)
    std::lock_guard lock(mu_);
    if (block_.capacity() < state_.header.block_size && !spares_.empty()) {
      block_ = std::move(spares_.back());
      spares_.pop_back();
    }
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

void LogWriterImpl::Place(Pending& p) {
  const size_t stored = packed_ ? p.stored.size() : p.content.size();
  std::lock_guard lock(mu_);
  p.info.block_offset = placed_offset_;
  p.info.content_size = static_cast<uint32_t>(stored);
  placed_offset_ = p.info.end();
}

Status LogWriterImpl::WriteToFile(Pending& p) {
  const std::string_view stored = packed_ ? std::string_view(p.stored) : p.content;
  std::string trailer;
  AppendRecord(&trailer, RecordType::kTrailer, EncodeBlockInfo(p.info));
  BASIN_RETURN_IF_ERROR(file_->Append(stored.substr(packed_ ? 0 : p.written)));
  return file_->Append(trailer);
}

// The block object: [header, for block 0] stored bytes, trailer. Built in place in the
// block's own buffer (no copy), on the uploading thread.
Status LogWriterImpl::Upload(Pending& p) {
  std::string& object = packed_ ? p.stored : p.content;
  AppendRecord(&object, RecordType::kTrailer, EncodeBlockInfo(p.info));
  if (p.info.block_number == 0) {
    std::string header;
    AppendRecord(&header, RecordType::kHeader, EncodeHeader(state_.header));
    object.insert(0, header);
  }
  return store_->Put(BlockObjectName(key_, p.info.block_number), object, PutMode::kCreateOnly)
      .WithContext(fmt::format("writing block {} of '{}'", p.info.block_number, key_));
}

void LogWriterImpl::Written(Pending& p) {
  std::lock_guard lock(mu_);
  state_.blocks.push_back(p.info);
  write_offset_ = p.info.end();
  p.content.clear();
  if (spares_.size() < kMaxWaiting + kMaxCompressThreads + kUploadsInFlight) {
    spares_.push_back(std::move(p.content));
  }
}

Status LogWriterImpl::MoveCompressedToUpload() {
  std::deque<Pending> ready;
  {
    std::lock_guard lock(mu_);
    ready.swap(compressed_);
  }
  for (Pending& p : ready) BASIN_RETURN_IF_ERROR(upload_->Submit(std::move(p)));
  return Status::OK();
}

Status LogWriterImpl::Drain() {
  if (compress_) BASIN_RETURN_IF_ERROR(compress_->Finish());
  if (upload_) {
    BASIN_RETURN_IF_ERROR(MoveCompressedToUpload());
    BASIN_RETURN_IF_ERROR(upload_->Finish());
  }
  return Status::OK();
}

uint64_t LogWriterImpl::bytes_written() {
  std::lock_guard lock(mu_);
  return placed_offset_;
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
  BASIN_RETURN_IF_ERROR(FinishBlock());
  if (Status s = Drain(); !s.ok()) return Fail(s);
  std::string tail;
  {
    std::lock_guard lock(mu_);
    state_.end = write_offset_;
    state_.metadata = metadata_;
    tail = EncodeTail(state_);
  }
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
