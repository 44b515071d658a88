// LogWriter: appends records to a record log (docs/format/log.md).
//
//   auto w = LogWriter::Open(store, "logs/events", options);
//   uint64_t address = *(*w)->Append("record");
//   (*w)->Sync();    // what was appended is durable
//   (*w)->Close();   // writes the index and footer, and syncs
//
// Memory: about one block, whatever the size of the log (a compressed log holds a few:
// the one filling, two queued, one per compressing thread), plus the index. Durability: a record is
// durable after Sync() or Close() returns OK; Flush() makes records visible to readers without
// waiting for the medium. In a compressed log, and in the object-per-block layout, every
// Flush or Sync ends the current block early (a block is written whole).
// The first error is sticky: every later call returns it. Not thread-safe.
#ifndef BASIN_LOG_WRITER_H_
#define BASIN_LOG_WRITER_H_

#include <memory>
#include <string>
#include <string_view>

#include "basin/log.h"
#include "basin/object_store.h"

namespace basin {

class LogWriter {
 public:
  // Opens the log at `key` for appending, creating it when absent. An existing log that
  // was not closed is first repaired with options.recovery. In the single-object layout
  // the store must support appendable objects; S3-like stores need kObjectPerBlock.
  static Result<std::unique_ptr<LogWriter>> Open(std::shared_ptr<ObjectStore> store,
                                                 std::string key, const LogOptions& options);
  virtual ~LogWriter() = default;  // without Close(): what was appended is flushed, unsealed

  // Appends one record (any length, even empty) and returns its address.
  virtual Result<uint64_t> Append(std::string_view record) = 0;
  // The entry id the next Append gets.
  virtual uint64_t next_entry() const = 0;
  // Bytes to store in the log's tail at Close (seed 001's metadata); replaces earlier ones.
  virtual void SetMetadata(std::string metadata) = 0;

  virtual Status Flush() = 0;
  virtual Status Sync() = 0;
  // Writes the tail (index, metadata, footer) and syncs. The writer is unusable after.
  virtual Status Close() = 0;
  virtual const Status& status() const = 0;
};

}  // namespace basin

#endif  // BASIN_LOG_WRITER_H_
