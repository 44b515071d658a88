// A basic record file (seed 001's BasicRecordFile): a header, then records back to back,
// each framed and checksummed as in every basin log, with no blocks, index or footer
// (docs/format/log.md, "Basic file"). A record's address is its byte offset. For small
// logs; it needs a store that can append in place (a local directory, memory). The basic
// file's RecordWriter and RecordFile (record_file.h).
#ifndef BASIN_BASIC_RECORD_FILE_H_
#define BASIN_BASIC_RECORD_FILE_H_

#include <memory>
#include <string>

#include "basin/object_store.h"
#include "basin/record_file.h"

namespace basin {

class BasicRecordWriter : public RecordWriter {
 public:
  // Opens the file for appending, creating it when absent or empty (the header is written
  // at once, and is durable with the first Sync). A torn header (0 to 52 bytes: the writer died
  // creating the file) is cut away and a torn last record is cut off, as point-in-time recovery
  // would, and recovery() says so; damage before the end is refused with Corruption. Records are at
  // most 1 GiB (InvalidArgument beyond).
  static Result<std::unique_ptr<BasicRecordWriter>> Open(std::shared_ptr<ObjectStore> store,
                                                         std::string key, uint64_t first_entry = 0);
};

// Reads a basic record file with a bounded buffer. Seek by address is direct; seek by
// entry id reads from the start. An object shorter than a header reads as empty.
class BasicRecordReader : public RecordFile {
 public:
  // NotFound when absent; InvalidArgument for a block file; Corruption when the first
  // bytes are no log header.
  static Result<std::unique_ptr<BasicRecordReader>> Open(std::shared_ptr<ObjectStore> store,
                                                         std::string key);
  virtual uint64_t first_entry() const = 0;
};

}  // namespace basin

#endif  // BASIN_BASIC_RECORD_FILE_H_
