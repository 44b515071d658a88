// A record log as found in a store: which blocks can be read, whether its tail is valid,
// and where a writer continues. Shared by the reader, the writer and recovery.
#ifndef BASIN_LOG_LOG_FILE_H_
#define BASIN_LOG_LOG_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "basin/log.h"
#include "basin/object_store.h"
#include "log/log_format.h"

namespace basin::log {

struct Damage {
  uint64_t offset;
  std::string what;
};

struct LogState {
  LogLayout layout = LogLayout::kSingleObject;
  FileHeader header;
  std::vector<BlockInfo> blocks;  // the readable blocks, in order
  bool last_partial = false;      // blocks.back() has no trailer (cut short, unsealed)
  bool sealed = false;            // a valid tail describes exactly these blocks
  bool holes = false;             // blocks were dropped (skip-damaged)
  std::string metadata;
  uint64_t size = 0;           // bytes stored, all objects together
  uint64_t end = 0;            // where the kept blocks end, and the tail starts (or would)
  std::vector<Damage> damage;  // what loading found and did not keep
  // Object per block: block objects past what is kept (a repair deletes them).
  std::vector<uint64_t> dropped_objects;

  uint64_t next_entry() const;
  uint64_t record_count() const;
  LogInfo ToInfo() const;
};

std::string BlockObjectName(std::string_view key, uint64_t number);
std::string FooterObjectName(std::string_view key);

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

// Scanners behind LoadLog (log_scan.cc).
Status ScanSingleObject(ObjectStore& store, const std::string& key, RecoveryMode mode,
                        LogState* state);
Status ScanBlockObjects(ObjectStore& store, const std::string& key, RecoveryMode mode,
                        LogState* state);
// Parses a tail (index, metadata, footer records) that starts at `offset`, and checks it
// against `state` (its header and blocks). On success fills metadata/holes and, when the
// tail lists blocks the state lacks (a sealed log read from its tail), the blocks.
Status ParseTail(std::string_view tail, uint64_t offset, bool take_blocks, LogState* state);

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_FILE_H_
