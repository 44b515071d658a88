// restore --verify: reading a restored file back and comparing it with the snapshot.
#ifndef BASIN_SNAPSHOT_RESTORE_VERIFY_H_
#define BASIN_SNAPSHOT_RESTORE_VERIFY_H_

#include <string>

#include "basin/basin.h"
#include "basin/snapshot.h"
#include "basin/status.h"

namespace basin::snap {

// Reads the file at `target` (not following a symlink) and checks every piece of `e`
// against its id; a hole must read as zeros. Corruption naming the file and the offset of
// the first piece that differs; IOError, NotFound or PermissionDenied when it cannot be
// opened, and the basin's errors reading a chunk list. Thread-safe for distinct files.
Status VerifyRestoredFile(Basin& basin, const TreeEntry& e, const std::string& target);

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_RESTORE_VERIFY_H_
