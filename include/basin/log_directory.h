// A segment directory (seed 001's RecordLogDirectory): a log kept as numbered segment
// files DIR/00000000, DIR/00000001, ..., each a block file whose entry ids continue the
// previous one's. Addresses carry the segment number in their top 16 bits
// (docs/format/log.md, "Addresses").
#ifndef BASIN_LOG_DIRECTORY_H_
#define BASIN_LOG_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "basin/log.h"
#include "basin/log_reader.h"
#include "basin/object_store.h"

namespace basin {

struct LogDirectoryOptions {
  LogOptions log;  // for each segment
  // The writer rolls to a new segment before a segment grows past this.
  uint64_t max_segment_bytes = uint64_t{1} << 30;
  // Readers keep this many segments open (their index in memory); the least recently
  // used is closed when another is needed.
  size_t open_segments = 16;
};

// Appends to the last segment, rolling to new ones. Not thread-safe; sticky errors.
class LogDirectoryWriter {
 public:
  // Opens DIR, creating it when empty; the last segment is reopened (and repaired, as
  // options.log.recovery says, when its writer died).
  static Result<std::unique_ptr<LogDirectoryWriter>> Open(std::shared_ptr<ObjectStore> store,
                                                          std::string dir,
                                                          const LogDirectoryOptions& options);
  virtual ~LogDirectoryWriter() = default;
  virtual Result<uint64_t> Append(std::string_view record) = 0;
  // Syncs and seals the current segment and starts the next one.
  virtual Status Roll() = 0;
  virtual Status Flush() = 0;
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual uint64_t next_entry() const = 0;
  virtual uint32_t segment() const = 0;
};

class LogDirectoryReader {
 public:
  static Result<std::unique_ptr<LogDirectoryReader>> Open(std::shared_ptr<ObjectStore> store,
                                                          std::string dir,
                                                          const LogDirectoryOptions& options);
  virtual ~LogDirectoryReader() = default;
  virtual const std::vector<uint32_t>& segments() const = 0;
  // The segment's description (opens it).
  virtual Result<LogInfo> SegmentInfo(uint32_t segment) = 0;
  virtual std::unique_ptr<LogIterator> NewIterator() = 0;
  virtual Result<std::string> Get(uint64_t address) = 0;
  virtual Status Verify() = 0;
  virtual size_t open_segment_count() const = 0;
};

// The segment numbers under DIR/, in order (empty when there are none).
Result<std::vector<uint32_t>> ListLogSegments(ObjectStore& store, const std::string& dir);
std::string LogSegmentKey(const std::string& dir, uint32_t segment);

}  // namespace basin

#endif  // BASIN_LOG_DIRECTORY_H_
