// The LogWriter implementation, exposed inside the log layer so that the segment
// directory can open writers that give segment addresses.
#ifndef BASIN_LOG_LOG_WRITER_IMPL_H_
#define BASIN_LOG_LOG_WRITER_IMPL_H_

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "basin/compression.h"
#include "basin/log_writer.h"
#include "log/log_file.h"
#include "util/ordered_pipeline.h"

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
  const RecoveryReport& recovery() const override { return recovery_; }

  // Bytes of the blocks finished so far, without the tail (compressed blocks count once
  // they are compressed).
  uint64_t bytes_written();

 private:
  // A finished block on its way to the store.
  struct Pending {
    std::string content;  // the block's records; uncompressed, also what is stored
    std::string stored;   // compressed logs: the compressed record
    BlockInfo info;       // block_offset and content_size are set by Place
    size_t written = 0;   // bytes of content already in the file (uncompressed, flushed)
  };
  // How blocks reach the store (docs/format/log.md, "Writing"):
  //   single object, uncompressed: written by the appending thread;
  //   compressed: compress_ compresses several at once, and its sink places each block
  //     (its offset follows the one before) and, in a single object, appends it;
  //   object per block: upload_ puts up to kUploadsInFlight block objects at once (each
  //     create-only, so in any order), and its sink records them as written in order.
  static constexpr size_t kMaxWaiting = 2;
  static constexpr size_t kMaxCompressThreads = 4;
  static constexpr size_t kUploadsInFlight = 4;

  LogWriterImpl(std::shared_ptr<ObjectStore> store, std::string key, const LogOptions& options);
  Status Start(std::optional<uint32_t> segment);
  Status StartNew(std::optional<uint32_t> segment, LogLayout layout);
  Status Reopen(std::optional<uint32_t> segment);
  void StartPipelines();
  void AddContent(RecordType type, std::string_view payload);
  // Bytes of the current block left for records, headers included.
  size_t Room() const {
    return state_.header.block_size - kTrailerSize - (packed_ ? kPackedOverhead : 0) -
           block_.size();
  }
  size_t HeaderSize(size_t payload) const;
  size_t MaxPayload(size_t room) const;  // largest payload whose record fits in `room`
  Status FinishBlock();
  Status Pack(Pending& p, Compressor& compressor);  // compresses a block
  void Place(Pending& p);                           // sets its offset; in block order
  Status WriteToFile(Pending& p);                   // single object; in block order
  Status Upload(Pending& p);                        // object per block; in any order
  void Written(Pending& p);                         // in block order
  Status MoveCompressedToUpload();
  Status Drain();  // waits until every finished block is written
  Status Fail(Status s) { return status_.ok() ? (status_ = std::move(s)) : status_; }
  uint64_t Address(uint64_t block_number, uint32_t index) const;

  std::shared_ptr<ObjectStore> store_;
  const std::string key_;
  const LogOptions options_;
  bool segment_addresses_ = false;
  bool packed_ = false;                     // compressed blocks of compact records
  std::unique_ptr<AppendableObject> file_;  // single-object layout
  std::string metadata_;
  RecoveryReport recovery_;

  // The block being filled (appending thread only).
  std::string block_;
  size_t block_written_ = 0;  // bytes of block_ already in the file (flushed, uncompressed)
  uint32_t block_records_ = 0;
  bool block_continues_ = false;
  uint64_t block_first_entry_ = 0;
  uint64_t next_number_ = 0;
  uint64_t next_entry_ = 0;

  // Shared with the pipelines' threads, under mu_.
  std::mutex mu_;
  LogState state_;                   // header, written blocks
  uint64_t placed_offset_ = 0;       // where the next block to be placed goes
  uint64_t write_offset_ = 0;        // where the written blocks end
  std::deque<Pending> compressed_;   // placed, waiting for upload_ (compressed, per block)
  std::vector<std::string> spares_;  // recycled block buffers

  bool started_ = false;
  bool closed_ = false;
  Status status_;

  // Last, so that their threads stop before anything they use is destroyed.
  std::vector<std::unique_ptr<Compressor>> compressors_;  // one per compress_ thread
  std::optional<OrderedPipeline<Pending>> compress_;
  std::optional<OrderedPipeline<Pending>> upload_;
};

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_WRITER_IMPL_H_
