// A record log as found in a store: which blocks can be read, whether its tail is valid,
// and where a writer continues. Shared by the reader, the writer and recovery.
#ifndef BASIN_LOG_LOG_FILE_H_
#define BASIN_LOG_LOG_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "basin/log.h"
#include "basin/object_store.h"
#include "basin/record_file.h"
#include "log/log_format.h"

namespace basin::log {

struct Damage {
  uint64_t offset;
  std::string what;
};

struct LogState {
  LogLayout layout = LogLayout::kSingleObject;
  // False for a single object of 0 to 52 bytes that starts like a header: a log whose
  // writer died creating it. Such a log holds nothing; `header` is not set.
  bool has_header = true;
  FileHeader header;
  std::vector<BlockInfo> blocks;  // the readable blocks, in order
  bool last_partial = false;      // blocks.back() has no trailer (cut short, unsealed)
  bool sealed = false;            // a valid tail describes exactly these blocks
  bool holes = false;             // blocks were dropped (skip-damaged)
  std::string metadata;
  uint64_t size = 0;           // bytes stored, all objects together
  uint64_t end = 0;            // where the kept blocks end, and the tail starts (or would)
  std::vector<Damage> damage;  // what loading found and did not keep
  // Object per block: block objects that are not kept (a repair deletes them), and
  // whether block 0 is among them: object 0 also holds the header, so a repair writes it
  // again as the header and an empty block 0 instead of deleting it.
  std::vector<uint64_t> dropped_objects;
  bool rewrite_block0 = false;

  uint64_t next_entry() const;
  uint64_t record_count() const;
  LogInfo ToInfo() const;
};

std::string BlockObjectName(std::string_view key, uint64_t number);
std::string FooterObjectName(std::string_view key);

// Reads and decodes the header record at the start of `object`; InvalidArgument when it
// is a basic record file's.
Status ReadBlockFileHeader(ObjectStore& store, const std::string& object, FileHeader* h);

// What is stored at `key` (record_file.cc): DetectRecordFile's answer, with the layout of
// a block file and the size of a single object, found with one HEAD (and, when there is no
// object at `key`, one or two listings).
struct FoundLog {
  RecordFileKind kind = RecordFileKind::kBlockFile;
  LogLayout layout = LogLayout::kSingleObject;
  uint64_t size = 0;  // of the object at `key` (single object, basic file, empty)
};
Result<FoundLog> FindLog(ObjectStore& store, const std::string& key);

// Which layout holds a log at `key`; NotFound when there is none.
Result<LogLayout> DetectLayout(ObjectStore& store, const std::string& key);

// Loads the log at `key`. A sealed log loads from its tail. Otherwise the single object
// is read from the start, checking every record, or the trailers of the block objects are
// read; `mode` says what to keep (kStrict: Corruption at the first damage). Changes
// nothing in the store.
Result<LogState> LoadLog(ObjectStore& store, const std::string& key, RecoveryMode mode);

// The stored bytes of state.blocks[i].
Status ReadBlockBytes(ObjectStore& store, const std::string& key, const LogState& state, size_t i,
                      std::string* out);

// The tail for state's blocks: index records, metadata, footer; it starts at state.end.
std::string EncodeTail(const LogState& state);

// Scanners behind LoadLog. log_scan.cc: the single object, read from the start with every
// record checked. block_objects.cc: the object-per-block layout from the listing and the
// block objects' trailers (never their bodies); every number, size and count taken from
// the listing is checked against what the objects say before it is used.
Status ScanSingleObject(ObjectStore& store, const std::string& key, RecoveryMode mode,
                        LogState* state);
Status ScanBlockObjects(ObjectStore& store, const std::string& key, RecoveryMode mode,
                        LogState* state);
// Single object: scans again from the start of state->blocks[keep] (a sealed log in which
// that block was found damaged), keeping the blocks before it.
Status RescanSingleObjectFrom(ObjectStore& store, const std::string& key, RecoveryMode mode,
                              size_t keep, LogState* state);
// The bytes of object 0 of a log whose block 0 was lost: the header and an empty block.
std::string EmptyBlockZeroObject(const FileHeader& header, BlockInfo* block0);
// Parses a tail (index, metadata, footer records) that starts at `offset`, and checks it
// against `state` (its header and blocks). On success fills metadata/holes and, when the
// tail lists blocks the state lacks (a sealed log read from its tail), the blocks.
Status ParseTail(std::string_view tail, uint64_t offset, bool take_blocks, LogState* state);

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_FILE_H_
