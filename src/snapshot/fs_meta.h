// File-system metadata to and from tree entries: lstat, owner names, extended attributes.
#ifndef BASIN_SNAPSHOT_FS_META_H_
#define BASIN_SNAPSHOT_FS_META_H_

#include <sys/stat.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "basin/snapshot.h"

namespace basin::snap {

// Names of uids and gids, looked up once each. Thread-safe.
class OwnerNames {
 public:
  std::string User(uint32_t uid);
  std::string Group(uint32_t gid);

 private:
  std::mutex mu_;
  std::unordered_map<uint32_t, std::string> users_, groups_;
};

// The entry for `st` (name left empty): type, mode, owner, times, size, device and inode.
// Returns false for a type basin does not store.
bool EntryFromStat(const struct stat& st, OwnerNames* names, TreeEntry* e);

// The file-type bits of st_mode (S_IFREG, S_IFDIR...) for an entry type.
mode_t TypeBits(EntryType type);

// Reads the extended attributes of `path` (not following a symlink) into e->xattrs,
// sorted by name. Errors other than "not supported" are returned.
Status ReadXattrs(const std::string& path, TreeEntry* e);

// The status for a failed system call on `path`.
Status ErrnoStatus(int err, std::string_view what, const std::string& path);

// Matches `path` (absolute) against glob `pattern`: patterns with a '/' match the whole
// path (and any path below a match), others match the last name.
bool GlobMatch(const std::string& pattern, std::string_view path);

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_FS_META_H_
