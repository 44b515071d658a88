// A segment directory (seed 001's RecordLogDirectory): a log kept as numbered segment
// files DIR/00000000, DIR/00000001, ..., each a block file whose entry ids continue the
// previous one's. Addresses carry the segment number in their top 16 bits
// (docs/format/log.md, "Addresses"). The directory's RecordWriter and RecordFile
// (record_file.h).
#ifndef BASIN_LOG_DIRECTORY_H_
#define BASIN_LOG_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "basin/log.h"
#include "basin/object_store.h"
#include "basin/record_file.h"

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
class LogDirectoryWriter : public RecordWriter {
 public:
  // Opens DIR, creating it when empty; the last segment is reopened (and repaired, as
  // options.log.recovery says, when its writer died: recovery() reports it). Errors as
  // LogWriter::Open's, for the last segment.
  static Result<std::unique_ptr<LogDirectoryWriter>> Open(std::shared_ptr<ObjectStore> store,
                                                          std::string dir,
                                                          const LogDirectoryOptions& options);
  // Syncs and seals the current segment and starts the next one. InvalidArgument when the
  // directory has used all 65536 segment numbers.
  virtual Status Roll() = 0;
  virtual uint32_t segment() const = 0;  // the segment being appended to
};

// Reads the segments in order; RecordFile's Verify checks every segment.
class LogDirectoryReader : public RecordFile {
 public:
  // NotFound when DIR holds no segment.
  static Result<std::unique_ptr<LogDirectoryReader>> Open(std::shared_ptr<ObjectStore> store,
                                                          std::string dir,
                                                          const LogDirectoryOptions& options);
  virtual const std::vector<uint32_t>& segments() const = 0;
  // The segment's description (opens it). NotFound for a segment that is not there.
  virtual Result<LogInfo> SegmentInfo(uint32_t segment) = 0;
  virtual size_t open_segment_count() const = 0;
};

// The segment numbers under DIR/, in order (empty when there are none). Names that are not
// 8 decimal digits below 65536 are ignored.
Result<std::vector<uint32_t>> ListLogSegments(ObjectStore& store, const std::string& dir);
std::string LogSegmentKey(const std::string& dir, uint32_t segment);

}  // namespace basin

#endif  // BASIN_LOG_DIRECTORY_H_
