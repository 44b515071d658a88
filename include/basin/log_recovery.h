// Repairing a record log whose writer died or whose bytes were damaged, and checking one.
// Modes and rules: docs/format/log.md, "Recovery".
#ifndef BASIN_LOG_RECOVERY_H_
#define BASIN_LOG_RECOVERY_H_

#include <memory>
#include <string>
#include <vector>

#include "basin/log.h"
#include "basin/object_store.h"

namespace basin {

struct RecoveryReport {
  RecoveryMode mode = RecoveryMode::kPointInTime;
  bool was_sealed = false;  // nothing needed doing
  bool changed = false;     // the store was written to
  uint64_t blocks_kept = 0;
  uint64_t records_kept = 0;     // records that start in the kept blocks
  uint64_t bytes_cut = 0;        // bytes cut from the end (single object)
  uint64_t objects_deleted = 0;  // block objects deleted (object per block)
  // What was found and not kept, one line each, with offsets.
  std::vector<std::string> damage;
  std::string ToString() const;  // a few lines for people
};

// Brings the log at `key` to a sealed state as `mode` says: kStrict changes nothing and
// fails with Corruption on damage (an undamaged log that was not closed gets its tail);
// the other modes cut or drop what is damaged, then write a new tail. Safe to run again.
Result<RecoveryReport> RecoverLog(std::shared_ptr<ObjectStore> store, const std::string& key,
                                  RecoveryMode mode);

}  // namespace basin

#endif  // BASIN_LOG_RECOVERY_H_
