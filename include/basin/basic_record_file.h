// A basic record file (seed 001's BasicRecordFile): a header, then records back to back,
// each framed and checksummed as in every basin log, with no blocks, index or footer
// (docs/format/log.md, "Basic file"). A record's address is its byte offset. For small
// logs; it needs a store that can append in place (a local directory, memory).
#ifndef BASIN_BASIC_RECORD_FILE_H_
#define BASIN_BASIC_RECORD_FILE_H_

#include <memory>
#include <string>

#include "basin/log_reader.h"
#include "basin/object_store.h"

namespace basin {

class BasicRecordWriter {
 public:
  // Opens the file for appending, creating it when absent. A torn last record (its writer
  // died) is cut off first; damage before the end is refused with Corruption.
  static Result<std::unique_ptr<BasicRecordWriter>> Open(std::shared_ptr<ObjectStore> store,
                                                         std::string key, uint64_t first_entry = 0);
  virtual ~BasicRecordWriter() = default;
  virtual Result<uint64_t> Append(std::string_view record) = 0;
  virtual uint64_t next_entry() const = 0;
  virtual Status Flush() = 0;
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// Reads a basic record file with a bounded buffer. Seek by address is direct; seek by
// entry id reads from the start. Iterators must not outlive their reader.
class BasicRecordReader {
 public:
  static Result<std::unique_ptr<BasicRecordReader>> Open(std::shared_ptr<ObjectStore> store,
                                                         std::string key);
  virtual ~BasicRecordReader() = default;
  virtual std::unique_ptr<LogIterator> NewIterator() = 0;
  virtual uint64_t first_entry() const = 0;
};

}  // namespace basin

#endif  // BASIN_BASIC_RECORD_FILE_H_
