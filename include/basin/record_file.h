// Seed 001's RecordFile: a collection of records (byte strings) addressed by 64-bit
// positions, with one reader interface and one writer interface that every flavour of
// basin log implements (docs/format/log.md):
//
//   flavour             writer                        reader (RecordFile)
//   block file          LogWriter (log_writer.h)      LogReader (log_reader.h)
//   segment directory   LogDirectoryWriter            LogDirectoryReader (log_directory.h)
//   basic record file   BasicRecordWriter             BasicRecordReader (basic_record_file.h)
//
// Code that only appends and iterates needs none of them by name:
//
//   auto w = OpenRecordWriter(store, "logs/events", RecordFileKind::kBlockFile, {});
//   uint64_t address = *(*w)->Append("record");    // seed 001's `long append(E)`
//   (*w)->Close();
//   auto f = OpenRecordFile(store, "logs/events");
//   auto it = (*f)->NewIterator();                   // seed 001's RecordFile.Reader
//   while (it->Next()) use(it->position(), it->value());
//
// typed_log.h puts a serializer on top of either interface.
#ifndef BASIN_RECORD_FILE_H_
#define BASIN_RECORD_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basin/log.h"
#include "basin/object_store.h"
#include "basin/status.h"

namespace basin {

// Seed 001's RecordFile.Reader: iterates records in order. It starts before the first
// record; Seek* place it just before the record sought, so that the next Next() lands on
// it. Belongs to one thread; must not outlive the RecordFile that made it.
class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  // Moves to the next record (seed 001's next()); false at the end or on error (status()).
  virtual bool Next() = 0;
  // The current record. REQUIRES: the last Next() returned true. value() (seed 001's
  // get()) stays valid until the next call on the iterator.
  virtual uint64_t position() const = 0;  // its address (seed 001's getPosition())
  virtual uint64_t entry_id() const = 0;  // its sequential entry id
  virtual std::string_view value() const = 0;
  // OK, or the error that ended iteration (Corruption naming the offset of the damage).
  virtual const Status& status() const = 0;

  virtual void SeekToFirst() = 0;
  // Before the record at `address` (as Append returned it), or before the record with id
  // `entry_id`. NotFound when no record has that address or id (the iterator is then at
  // the end); Corruption or IOError when the block holding it cannot be read.
  virtual Status Seek(uint64_t address) = 0;
  virtual Status SeekToEntry(uint64_t entry_id) = 0;
};

// Seed 001's RecordFile.Writer. Appends records; each gets the next entry id and an address
// a reader can seek to. The first error is sticky: every later call returns it. Not
// thread-safe.
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;  // without Close(): what was appended is flushed

  // Appends one record (any length, even empty) and returns its address (seed 001's
  // `long append(E)`). InvalidArgument when the record or the file exceeds a format limit.
  virtual Result<uint64_t> Append(std::string_view record) = 0;
  // The entry id the next Append gets.
  virtual uint64_t next_entry() const = 0;
  // Flush: appended records become visible to readers. Sync: and durable. Close: sync,
  // seal (block files write their tail) and make the writer unusable. Errors: the store's
  // (IOError, retryable or not; PermissionDenied), and they stick.
  virtual Status Flush() = 0;
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual const Status& status() const = 0;
  // What opening did to a file whose last writer died (a torn tail cut back, a torn header
  // cut to an empty file): `changed` is false when nothing needed repair. Never a silent
  // repair: callers show it (the CLI prints it to stderr).
  virtual const RecoveryReport& recovery() const = 0;
};

// Seed 001's RecordFile: an opened file of any flavour, from which iterators start. Safe
// to share between threads; each iterator belongs to one. It holds the store (shared) and,
// for block files, the index in memory; it sees the file as it was when opened.
class RecordFile {
 public:
  virtual ~RecordFile() = default;
  virtual std::unique_ptr<RecordIterator> NewIterator() = 0;
  // The record at `address` (a block file reads one block). NotFound when there is none.
  virtual Result<std::string> Get(uint64_t address) = 0;
  // Reads everything and checks every checksum and the structure: the number of records
  // found, or Corruption naming where the first damage is (a torn tail counts as damage).
  virtual Result<uint64_t> Verify() = 0;
};

std::string_view RecordFileKindName(RecordFileKind kind);  // "block file", ...

// Tells the flavours apart from the header (the first 53 bytes) or the names of the
// objects under KEY/. NotFound when nothing is there; Corruption when the object at `key`
// is not a basin log (its first bytes are no log header).
Result<RecordFileKind> DetectRecordFile(ObjectStore& store, const std::string& key);

// Opens any flavour for reading (LogReader, LogDirectoryReader or BasicRecordReader; an
// empty RecordFile for kEmpty). NotFound when nothing is at `key`. options: for block
// files and the segments of a directory.
Result<std::unique_ptr<RecordFile>> OpenRecordFile(std::shared_ptr<ObjectStore> store,
                                                   std::string key, const LogOptions& options = {});

// Opens a writer on what is at `key`, in its own flavour, or creates `new_kind` (not
// kEmpty) when nothing (or an empty log) is there. options: for block files and segments.
// Errors as the flavour's own Open returns them.
Result<std::unique_ptr<RecordWriter>> OpenRecordWriter(std::shared_ptr<ObjectStore> store,
                                                       std::string key, RecordFileKind new_kind,
                                                       const LogOptions& options = {});

}  // namespace basin

#endif  // BASIN_RECORD_FILE_H_
