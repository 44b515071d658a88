// Repairing a record file whose writer died or whose bytes were damaged. Modes and rules:
// docs/format/log.md, "Recovery".
#ifndef BASIN_LOG_RECOVERY_H_
#define BASIN_LOG_RECOVERY_H_

#include <memory>
#include <string>

#include "basin/log.h"
#include "basin/object_store.h"

namespace basin {

// Brings the record file at `key`, of any flavour (record_file.h), to a whole, sealed
// state as `mode` says, and reports what it found and did (RecoveryReport::ToString for
// people). Recovery sees what LogReader::Verify sees: it reads and checks every block, in
// every layout, with one exception: point-in-time recovery of an object-per-block log
// whose writer died (no valid footer) reads only the block objects' trailers, since a
// crash leaves block objects whole or absent (report.contents_checked says which).
//   kStrict:       changes nothing on damage and fails with Corruption naming it; an
//                  undamaged block file that was not closed gets its tail.
//   kPointInTime:  keeps everything before the first damage, cuts or deletes the rest,
//                  and writes a new tail. A torn header (an object of 1 to 52 bytes) is
//                  cut to an empty object: an empty log.
//   kSkipDamaged:  drops only damaged blocks (their objects are deleted in the
//                  object-per-block layout) and keeps every good block after them.
//                  NotSupported for a basic record file, which has no blocks.
// A segment directory is recovered segment by segment (damage lines name the segment).
// Safe to run again, and after a crash of recovery itself. Errors: NotFound when nothing
// is at `key`; Corruption (kStrict, or a damaged header, which nothing can be read
// without); the store's errors. Not safe while a writer has the file open.
Result<RecoveryReport> RecoverLog(std::shared_ptr<ObjectStore> store, const std::string& key,
                                  RecoveryMode mode);

}  // namespace basin

#endif  // BASIN_LOG_RECOVERY_H_
