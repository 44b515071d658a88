// Recovery of a basic record file (docs/format/log.md, "Basic file"), for RecoverLog.
#ifndef BASIN_LOG_BASIC_RECOVERY_H_
#define BASIN_LOG_BASIC_RECOVERY_H_

#include <string>

#include "basin/log.h"
#include "basin/object_store.h"

namespace basin::log {

// kStrict: reads every record, Corruption at the first damage (a torn tail included),
// changes nothing. kPointInTime: cuts the file at its first damage (a torn header leaves
// an empty file). kSkipDamaged: NotSupported (a basic file has no blocks to resume at).
Result<RecoveryReport> RecoverBasicFile(ObjectStore& store, const std::string& key,
                                        RecoveryMode mode);

}  // namespace basin::log

#endif  // BASIN_LOG_BASIC_RECOVERY_H_
