// LogReader: reads a block file (docs/format/log.md); the block file's RecordFile
// (record_file.h).
//
//   auto r = LogReader::Open(store, "logs/events", options);
//   auto it = (*r)->NewIterator();
//   while (it->Next()) use(it->entry_id(), it->position(), it->value());
//   if (!it->status().ok()) ...
//
// Opening reads the footer and index (a sealed log) or, for a log that was not closed,
// finds what point-in-time recovery would keep, without changing anything (in the
// object-per-block layout from the block objects' trailers alone). An object shorter than
// a header (its writer died creating it) opens as an empty log. Seeking by address reads
// one block. Readers hold about one block in memory (more with a shared block cache). A
// LogReader may be shared by threads; each iterator belongs to one, and must not outlive
// its reader.
#ifndef BASIN_LOG_READER_H_
#define BASIN_LOG_READER_H_

#include <memory>
#include <string>
#include <string_view>

#include "basin/log.h"
#include "basin/object_store.h"
#include "basin/record_file.h"

namespace basin {

class LogReader : public RecordFile {
 public:
  // NotFound when there is no log at `key`; InvalidArgument for a basic record file;
  // Corruption when the header is damaged, or (a log that was not closed) when the
  // damage leaves nothing readable to point-in-time rules; the store's errors.
  static Result<std::unique_ptr<LogReader>> Open(std::shared_ptr<ObjectStore> store,
                                                 std::string key, const LogOptions& options = {});

  virtual const LogInfo& info() const = 0;
  // RecordFile: NewIterator; Get (one block read, or none from the cache); Verify, which
  // reads every block and checks every checksum and the structure, and answers Corruption
  // naming the offset of the first damage, including damage that opening found (a torn
  // tail, a torn header).
};

}  // namespace basin

#endif  // BASIN_LOG_READER_H_
