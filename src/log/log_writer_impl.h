// The LogWriter implementation, exposed inside the log layer so that the segment
// directory can open writers that give segment addresses.
#ifndef BASIN_LOG_LOG_WRITER_IMPL_H_
#define BASIN_LOG_LOG_WRITER_IMPL_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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
  void SetMetadata(std::string metadata) override { metadata_ = std::move(metadata); }
  Status Flush() override;
  Status Sync() override;
  Status Close() override;
  const Status& status() const override { return status_; }

  // Bytes written so far, without the tail (blocks still being compressed not counted).
  uint64_t bytes_written();

 private:
  // A finished block on its way to the store. Compressed logs hand blocks to background
  // threads that compress several at once and write them in block order (at most
  // kMaxQueued wait), so that compressing overlaps filling the next block; uncompressed
  // logs write them at once.
  struct Pending {
    std::string content;  // the block's records
    std::string stored;   // what goes to the store before the trailer (compressed)
    BlockInfo info;       // all but block_offset and content_size, set when written
    size_t written = 0;   // bytes of content already in the file (uncompressed, flushed)
  };
  static constexpr size_t kMaxQueued = 2;
  static constexpr size_t kMaxWorkers = 4;

  LogWriterImpl(std::shared_ptr<ObjectStore> store, std::string key, const LogOptions& options);
  Status Start(std::optional<uint32_t> segment);
  Status StartNew(std::optional<uint32_t> segment);
  void AddContent(RecordType type, std::string_view payload);
  // Bytes of the current block left for records, headers included.
  size_t Room() const {
    return state_.header.block_size - kTrailerSize - (packed_ ? kPackedOverhead : 0) -
           block_.size();
  }
  size_t HeaderSize(size_t payload) const;
  size_t MaxPayload(size_t room) const;  // largest payload whose record fits in `room`
  Status FinishBlock(bool even_if_empty = false);
  Status Pack(Pending& p, Compressor& compressor);  // compresses a packed block
  Status Write(Pending& p);  // writes a block where the last one ended; in block order
  void Worker();
  Status Drain();  // waits for the background thread to write every queued block
  void StopWorker();
  Status Fail(Status s) { return status_.ok() ? (status_ = std::move(s)) : status_; }
  uint64_t Address(uint64_t block_number, uint32_t index) const;

  std::shared_ptr<ObjectStore> store_;
  const std::string key_;
  const LogOptions options_;
  bool segment_addresses_ = false;
  bool packed_ = false;                     // compressed blocks of compact records
  std::unique_ptr<AppendableObject> file_;  // single-object layout
  std::string pending_header_;              // object per block: goes before block 0
  std::string metadata_;

  // The block being filled (writer thread only).
  std::string block_;
  size_t block_written_ = 0;  // bytes of block_ already in the file (flushed, uncompressed)
  uint32_t block_records_ = 0;
  bool block_continues_ = false;
  uint64_t block_first_entry_ = 0;
  uint64_t next_number_ = 0;
  uint64_t next_entry_ = 0;

  // Shared with the background thread, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  LogState state_;             // header, written blocks
  uint64_t write_offset_ = 0;  // where the next block goes
  std::deque<Pending> queue_;
  size_t busy_ = 0;          // blocks taken by workers, not yet written
  uint64_t next_write_ = 0;  // number of the block to be written next
  bool stopping_ = false;
  Status worker_status_;
  std::vector<std::string> spares_;  // recycled block buffers
  std::vector<std::thread> workers_;

  bool started_ = false;
  bool closed_ = false;
  Status status_;
};

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_WRITER_IMPL_H_
