// What a restore finds already in its target, and how it makes room (include/basin/backup.h,
// README.md, "Restoring"): an entry of the other kind where the snapshot has a directory or a
// non-directory (a conflict), and the temporary files of a restore that was killed. Nothing
// here follows a symlink in the target, and nothing removes a directory that holds anything.
#ifndef BASIN_SNAPSHOT_RESTORE_TARGET_H_
#define BASIN_SNAPSHOT_RESTORE_TARGET_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "basin/snapshot.h"
#include "basin/status.h"

namespace basin::snap {

// A file is restored under a temporary name in its directory, then renamed into place: this
// prefix and 16 lower-case hex digits (".basin-restore-0123456789abcdef"). Frozen: restores
// of later versions remove what earlier ones left.
inline constexpr std::string_view kRestoreTempPrefix = ".basin-restore-";
inline constexpr size_t kRestoreTempHexDigits = 16;

// A fresh temporary name (random). Thread-safe.
std::string RestoreTempName();
// Whether `name` is one RestoreTempName could have made.
bool IsRestoreTempName(std::string_view name);

// Removes from directory `dir` the regular files whose names IsRestoreTempName accepts:
// the leftovers of a restore that was killed. Symlinks, directories and other files are
// left. `dir` itself must not be a symlink unless `follow_dir` (the target the user named).
// Returns how many were removed; IOError or PermissionDenied naming the path when `dir`
// cannot be listed or a temporary file cannot be removed.
Result<uint64_t> RemoveRestoreTemps(const std::string& dir, bool follow_dir);

// Makes `path` a directory to restore into: creates it, or takes the directory there
// (*existed set to true; a symlink to a directory is not one). A non-directory there (file,
// symlink, special file) is removed first when `replace` (a symlink is removed, never
// followed); otherwise AlreadyExists naming it: a conflict, left as it is. Other failures:
// IOError, PermissionDenied or NotFound naming the path.
Status MakeRestoreDir(const std::string& path, bool replace, bool* existed);

// Makes room for an entry of type `due` (not a directory) at `path`, where a directory was
// seen: an empty one is removed when `replace`. A directory that holds anything is never
// removed, nor any without `replace`: AlreadyExists naming it (a conflict, left as it is).
// OK when the directory is gone; IOError or PermissionDenied when it cannot be removed.
Status RemoveDirInTheWay(const std::string& path, bool replace, EntryType due);

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_RESTORE_TARGET_H_
