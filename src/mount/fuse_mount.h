// Serving a SnapshotFs through FUSE (libfuse3, its path-based API), read-only, on a pool
// of libfuse's threads. The callbacks only translate: paths and buffers in, errno out;
// the file system's logic is SnapshotFs's.
#ifndef BASIN_MOUNT_FUSE_MOUNT_H_
#define BASIN_MOUNT_FUSE_MOUNT_H_

#include <functional>
#include <string>

#include "basin/status.h"
#include "mount/snapshot_fs.h"

namespace basin::mount {

struct FuseMountOptions {
  std::string mountpoint;
  bool allow_other = false;          // other users may enter the mount (FUSE's allow_other)
  bool default_permissions = true;   // the kernel checks the stored modes and owners
  bool debug = false;                // libfuse's request log on stderr
  std::function<void()> on_mounted;  // called once the mount is in place
  // Told of a request that failed other than with "no such entry" (it answers EIO).
  std::function<void(std::string_view path, const Status&)> error;
};

// Whether `mountpoint` can take a FUSE mount: NotFound when it does not exist,
// InvalidArgument when it is not a directory, NotSupported when /dev/fuse is missing or
// cannot be opened; each message says what to do.
Status CheckMountable(const std::string& mountpoint);

// Mounts `fs` and serves it until the mount goes (fusermount3 -u, umount) or the process
// gets SIGINT, SIGTERM or SIGHUP; then unmounts and returns. CheckMountable's errors;
// IOError when the mount fails (libfuse prints why on stderr) or the loop does.
Status ServeFuse(SnapshotFs& fs, const FuseMountOptions& options);

}  // namespace basin::mount

#endif  // BASIN_MOUNT_FUSE_MOUNT_H_
