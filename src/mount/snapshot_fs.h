// SnapshotFs: a basin's snapshots as a read-only file system, by path: what `basin mount`
// serves through FUSE (mount/fuse_mount.h), kept free of libfuse so that it can be tested
// without a mount. The layout above the snapshots is a MountLayout; below, each path is
// looked up tree by tree through a GrainCache, and files are read through FileReaders.
//
// Entries show what the snapshot stored: type, mode, owner, size, times to the nanosecond,
// link count, symlink target, device numbers and xattrs. Inode numbers are a hash of the
// path, except for hard-linked files, which share one per (snapshot, device, inode).
// The directories of the layout belong to the user who mounted, mode 0555.
//
// Errors: NotFound for a path that is not there (ENOENT); the basin's errors otherwise
// (reads of damaged data give Corruption). Thread-safe.
#ifndef BASIN_MOUNT_SNAPSHOT_FS_H_
#define BASIN_MOUNT_SNAPSHOT_FS_H_

#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "basin/basin.h"
#include "mount/file_reader.h"
#include "mount/grain_cache.h"
#include "mount/mount_layout.h"

namespace basin::mount {

struct SnapshotFsOptions {
  size_t chunk_cache_bytes = size_t{64} << 20;  // decoded chunks
  size_t tree_cache_bytes = size_t{16} << 20;   // decoded trees
  // Listing a directory of the layout reads the journal again (new snapshots appear, forgotten
  // ones go) at most this often.
  std::chrono::milliseconds refresh_interval{2000};
  // Told of a refresh that failed (the old listing stays).
  std::function<void(const Status&)> warning;
};

class SnapshotFs {
 public:
  // `basin` must outlive this.
  SnapshotFs(Basin& basin, SnapshotFsOptions options = {});

  // Lists the snapshots (the journal as read so far). The basin's errors.
  Status Start();

  // Paths are absolute, '/'-separated, as FUSE gives them ("/", "/snapshots/latest").
  Result<struct stat> Stat(std::string_view path);
  // Calls fn(name, attributes) for each entry of the directory at `path` ("." and ".."
  // not included); fn returns false to stop. NotFound when `path` is not a directory.
  Status ReadDir(std::string_view path,
                 const std::function<bool(std::string_view, const struct stat&)>& fn);
  // A symlink's target; InvalidArgument when `path` is not a symlink (EINVAL).
  Result<std::string> ReadLink(std::string_view path);
  // An extended attribute's value; NotFound when the entry has none of that name (ENODATA).
  Result<std::string> GetXattr(std::string_view path, std::string_view name);
  // The names of the entry's extended attributes, each followed by a NUL (listxattr's form).
  Result<std::string> ListXattr(std::string_view path);
  // A reader of the file at `path`; InvalidArgument when it is not a regular file.
  Result<std::unique_ptr<FileReader>> Open(std::string_view path);

  GrainCache& cache() { return cache_; }
  uint64_t refreshes() const;  // journal reads after Start

 private:
  struct Node;
  Result<Node> Resolve(std::string_view path);
  Result<GrainId> RootOf(const Snapshot& s);
  struct stat Attributes(const Node& n) const;
  struct stat DirAttributes(const VirtualDir& d, uint64_t ino) const;
  Status ListLayoutDir(const Node& n,
                       const std::function<bool(std::string_view, const struct stat&)>& fn);
  Status ListTree(const Node& n,
                  const std::function<bool(std::string_view, const struct stat&)>& fn);
  void MaybeRefresh();
  Status Refresh();
  std::shared_ptr<const MountLayout> layout() const;

  Basin& basin_;
  const SnapshotFsOptions options_;
  GrainCache cache_;
  const uid_t uid_;
  const gid_t gid_;
  mutable std::mutex mu_;
  std::shared_ptr<const MountLayout> layout_;
  std::map<GrainId, GrainId> roots_;  // snapshot id -> root tree id
  mutable std::mutex refresh_mu_;
  std::chrono::steady_clock::time_point last_refresh_;
  uint64_t refreshes_ = 0;
};

}  // namespace basin::mount

#endif  // BASIN_MOUNT_SNAPSHOT_FS_H_
