// Opening a block file for appending: creating it (its header stored at once), or reopening
// it after repairing what a writer that died left (the repair is kept for recovery()), and
// starting the pipelines that take finished blocks to the store (log_writer.cc).
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "basin/crypto.h"
#include "basin/log_recovery.h"
#include "log/log_writer_impl.h"

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
}

Result<std::unique_ptr<LogWriterImpl>> LogWriterImpl::Open(std::shared_ptr<ObjectStore> store,
                                                           std::string key,
                                                           const LogOptions& options,
                                                           std::optional<uint32_t> segment) {
  std::unique_ptr<LogWriterImpl> w(new LogWriterImpl(std::move(store), std::move(key), options));
  BASIN_RETURN_IF_ERROR(w->Start(segment));
  return w;
}

// A new log: its header goes to the store now, so that the log exists (and, in the
// object-per-block layout, belongs to this writer) before the first append.
Status LogWriterImpl::StartNew(std::optional<uint32_t> segment, LogLayout layout) {
  if (options_.block_size < kMinBlockSize || options_.block_size > kMaxBlockSize) {
    return Status::InvalidArgument(fmt::format("block size {} is outside [{}, {}]",
                                               options_.block_size, kMinBlockSize, kMaxBlockSize));
  }
  state_ = LogState();
  FileHeader& h = state_.header;
  h.kind = FileKind::kBlockFile;
  h.compression = options_.compression.type;
  h.block_size = options_.block_size;
  h.segment = segment.value_or(0);
  h.first_entry = options_.first_entry;
  RandomBytes(h.file_id);
  state_.layout = layout;
  if (state_.layout == LogLayout::kObjectPerBlock) {
    BlockInfo block0;
    Status s = store_->Put(BlockObjectName(key_, 0), EmptyBlockZeroObject(h, &block0),
                           PutMode::kCreateOnly);
    if (s.IsAlreadyExists()) {
      return Status::AlreadyExists(
          fmt::format("another writer created the log '{}' at the same time", key_));
    }
    BASIN_RETURN_IF_ERROR(s.WithContext(fmt::format("creating the log '{}'", key_)));
    state_.blocks.push_back(block0);
    state_.end = block0.end();
    return Status::OK();
  }
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
  std::string header;
  AppendRecord(&header, RecordType::kHeader, EncodeHeader(h));
  BASIN_RETURN_IF_ERROR(file_->Append(header));
  BASIN_RETURN_IF_ERROR(file_->Flush());  // durable with the first Sync, as records are
  state_.end = kHeaderRecordSize;
  return Status::OK();
}

// An existing log: repaired first when its last writer did not close it (the report is
// kept for recovery()), then appended to where its blocks end.
Status LogWriterImpl::Reopen(std::optional<uint32_t> segment) {
  BASIN_ASSIGN_OR_RETURN(state_, LoadLog(*store_, key_, options_.recovery));
  if (!state_.sealed && (state_.has_header || state_.size > 0)) {
    BASIN_ASSIGN_OR_RETURN(recovery_, RecoverLog(store_, key_, options_.recovery));
    BASIN_ASSIGN_OR_RETURN(state_, LoadLog(*store_, key_, options_.recovery));
  }
  if (!state_.has_header) {  // the empty object becomes the log, in its own layout
    return StartNew(segment, LogLayout::kSingleObject);
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
  return Status::OK();
}

Status LogWriterImpl::Start(std::optional<uint32_t> segment) {
  segment_addresses_ = segment.has_value();
  packed_ = options_.compression.type != CompressionType::kNone;
  auto layout = DetectLayout(*store_, key_);
  if (layout.status().IsNotFound()) {
    BASIN_RETURN_IF_ERROR(StartNew(segment, options_.layout));
  } else {
    BASIN_RETURN_IF_ERROR(layout.status());
    BASIN_RETURN_IF_ERROR(Reopen(segment));
  }
  next_entry_ = block_first_entry_ = state_.next_entry();
  placed_offset_ = write_offset_ = state_.end;
  next_number_ = state_.blocks.empty() ? 0 : state_.blocks.back().block_number + 1;
  block_.reserve(state_.header.block_size);
  StartPipelines();
  started_ = true;
  return Status::OK();
}

void LogWriterImpl::StartPipelines() {
  if (packed_) {
    const size_t threads =
        std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxCompressThreads);
    for (size_t i = 0; i < threads; ++i) {
      compressors_.push_back(std::make_unique<Compressor>(options_.compression));
    }
    compress_.emplace(
        threads, kMaxWaiting,
        [this](Pending& p, size_t worker) { return Pack(p, *compressors_[worker]); },
        [this](Pending& p) -> Status {
          Place(p);
          if (state_.layout == LogLayout::kSingleObject) {
            BASIN_RETURN_IF_ERROR(WriteToFile(p));
            Written(p);
          } else {
            std::lock_guard lock(mu_);
            compressed_.push_back(std::move(p));
          }
          return Status::OK();
        });
  }
  if (state_.layout == LogLayout::kObjectPerBlock) {
    upload_.emplace(
        kUploadsInFlight, kMaxWaiting, [this](Pending& p, size_t) { return Upload(p); },
        [this](Pending& p) {
          Written(p);
          return Status::OK();
        });
  }
}

}  // namespace basin::log

namespace basin {

Result<std::unique_ptr<LogWriter>> LogWriter::Open(std::shared_ptr<ObjectStore> store,
                                                   std::string key, const LogOptions& options) {
  return log::OpenWriter(std::move(store), std::move(key), options);
}

}  // namespace basin
