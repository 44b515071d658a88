// LogWriter: appends records to a block file (docs/format/log.md), in one object or one
// object per block. It is the block file's RecordWriter (record_file.h).
//
//   auto w = LogWriter::Open(store, "logs/events", options);
//   uint64_t address = *(*w)->Append("record");
//   (*w)->Sync();    // what was appended is durable
//   (*w)->Close();   // writes the index and footer, and syncs
//
// Creating a log stores its header at once (flushed to the store, so it survives this
// process being killed; durable with the first Sync): a log exists from the moment Open
// returns. An object-per-block log is created with object 0 holding the header and an
// empty block 0, so two writers can never both create it.
//
// Memory: about one block, whatever the size of the log, plus the index. A compressed log
// holds a few more: the one filling, two waiting, one per compressing thread (at most 4),
// and those compressed and waiting for an earlier block. An object-per-block log keeps up
// to 4 block uploads in flight, plus two waiting. Work runs through
// util/ordered_pipeline.h (docs/format/log.md, "Writing").
//
// Durability: a record is durable after Sync() or Close() returns OK; Flush() makes records
// visible to readers without waiting for the medium. In a compressed log, and in the
// object-per-block layout, every Flush or Sync ends the current block early (a block is
// written whole). The first error is sticky: every later call returns it. Not
// thread-safe.
#ifndef BASIN_LOG_WRITER_H_
#define BASIN_LOG_WRITER_H_

#include <memory>
#include <string>
#include <string_view>

#include "basin/log.h"
#include "basin/object_store.h"
#include "basin/record_file.h"

namespace basin {

class LogWriter : public RecordWriter {
 public:
  // Opens the block file at `key` for appending, creating it when absent (or when the
  // object there is an empty log: 0 to 52 bytes of a torn header, which is cut away
  // first; the log then stays one object, whatever options.layout says). An existing log that was
  // not closed is first repaired with options.recovery, and recovery() says what was cut. In the
  // single-object layout the store must support appendable objects (NotSupported otherwise: S3-like
  // stores need kObjectPerBlock). Errors: InvalidArgument for a bad block size or a basic record
  // file at `key`; AlreadyExists when another writer created the log at the same time; Corruption
  // when options.recovery is kStrict and the log is damaged; the store's errors.
  static Result<std::unique_ptr<LogWriter>> Open(std::shared_ptr<ObjectStore> store,
                                                 std::string key, const LogOptions& options);

  // Bytes to store in the log's tail at Close (seed 001's metadata); replaces earlier ones.
  virtual void SetMetadata(std::string metadata) = 0;
};

}  // namespace basin

#endif  // BASIN_LOG_WRITER_H_
