// The LogWriter implementation, exposed inside the log layer so that the segment
// directory can open writers that give segment addresses.
#ifndef BASIN_LOG_LOG_WRITER_IMPL_H_
#define BASIN_LOG_LOG_WRITER_IMPL_H_

#include <memory>
#include <optional>
#include <string>

#include "basin/compression.h"
#include "basin/log_writer.h"
#include "log/log_file.h"

namespace basin::log {

class LogWriterImpl : public LogWriter {
 public:
  // segment: when set, the log is that segment of a directory (its header says so, its
  // addresses are segment addresses) and a new log starts at options.first_entry.
  static Result<std::unique_ptr<LogWriterImpl>> Open(std::shared_ptr<ObjectStore> store,
                                                     std::string key, const LogOptions& options,
                                                     std::optional<uint32_t> segment);
  ~LogWriterImpl() override;

  Result<uint64_t> Append(std::string_view record) override;
  uint64_t next_entry() const override { return next_entry_; }
  void SetMetadata(std::string metadata) override { state_.metadata = std::move(metadata); }
  Status Flush() override;
  Status Sync() override;
  Status Close() override;
  const Status& status() const override { return status_; }

  // Where the next block starts: the size of the log so far, without its tail.
  uint64_t block_offset() const { return block_offset_; }

 private:
  LogWriterImpl(std::shared_ptr<ObjectStore> store, std::string key, const LogOptions& options);
  Status Start(std::optional<uint32_t> segment);
  Status StartNew(std::optional<uint32_t> segment);
  void AddContent(RecordType type, std::string_view payload);
  size_t Room() const { return state_.header.block_size - kTrailerSize - block_.size(); }
  Status FinishBlock(bool even_if_empty = false);
  Status WriteBlock(const BlockInfo& info, std::string_view stored);
  Status Fail(Status s) { return status_.ok() ? (status_ = std::move(s)) : status_; }
  uint64_t Pack(uint64_t offset, uint32_t index) const;

  std::shared_ptr<ObjectStore> store_;
  const std::string key_;
  const LogOptions options_;
  LogState state_;  // header, finished blocks, metadata
  bool segment_addresses_ = false;
  std::unique_ptr<AppendableObject> file_;  // single-object layout
  std::string pending_header_;              // object per block: goes before block 0
  Compressor compressor_;
  std::string compressed_;  // scratch

  // The block being built.
  std::string block_;
  size_t block_written_ = 0;  // bytes of block_ already in the file (flushed, uncompressed)
  uint32_t block_records_ = 0;
  bool block_continues_ = false;
  uint64_t block_first_entry_ = 0;
  uint64_t block_offset_ = 0;
  uint64_t next_number_ = 0;

  uint64_t next_entry_ = 0;
  bool started_ = false;
  bool closed_ = false;
  Status status_;
};

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_WRITER_IMPL_H_
