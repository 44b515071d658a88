// LogReader: reads a record log (docs/format/log.md).
//
//   auto r = LogReader::Open(store, "logs/events", options);
//   auto it = (*r)->NewIterator();
//   while (it->Next()) use(it->entry_id(), it->position(), it->value());
//   if (!it->status().ok()) ...
//
// Opening reads the footer and index (a sealed log) or, for a log that was not closed,
// finds what point-in-time recovery would keep, without changing anything. Seeking by
// address reads one block. Readers hold about one block in memory (more with a shared
// block cache). A LogReader may be shared by threads; each iterator belongs to one, and
// must not outlive its reader.
#ifndef BASIN_LOG_READER_H_
#define BASIN_LOG_READER_H_

#include <memory>
#include <string>
#include <string_view>

#include "basin/log.h"
#include "basin/object_store.h"

namespace basin {

// Iterates a log in order. It starts before the first record; Seek* place it just before
// the record sought, so that the next Next() lands on it (seed 001's RecordFile.Reader).
class LogIterator {
 public:
  virtual ~LogIterator() = default;
  // Moves to the next record; false at the end or on error (see status()).
  virtual bool Next() = 0;
  // The current record. REQUIRES: the last Next() returned true. value() stays valid
  // until the next call on the iterator.
  virtual uint64_t position() const = 0;
  virtual uint64_t entry_id() const = 0;
  virtual std::string_view value() const = 0;
  virtual const Status& status() const = 0;

  virtual void SeekToFirst() = 0;
  // NotFound when no record has that address or id (the iterator is then at the end).
  virtual Status Seek(uint64_t address) = 0;
  virtual Status SeekToEntry(uint64_t entry_id) = 0;
};

class LogReader {
 public:
  static Result<std::unique_ptr<LogReader>> Open(std::shared_ptr<ObjectStore> store,
                                                 std::string key, const LogOptions& options = {});
  virtual ~LogReader() = default;

  virtual const LogInfo& info() const = 0;
  virtual std::unique_ptr<LogIterator> NewIterator() = 0;
  // The record at `address` (one block read, or none from the cache).
  virtual Result<std::string> Get(uint64_t address) = 0;
  // Reads every block and checks every checksum and the structure; Corruption naming the
  // offset of the first damage.
  virtual Status Verify() = 0;
};

}  // namespace basin

#endif  // BASIN_LOG_READER_H_
