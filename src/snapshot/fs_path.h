// Reaching a path of any length: Linux refuses paths of PATH_MAX (4096) bytes or more in
// one system call, so a longer path is reached by opening its directories one by one and
// working relative to the last (the *at calls). Short paths take the direct way.
#ifndef BASIN_SNAPSHOT_FS_PATH_H_
#define BASIN_SNAPSHOT_FS_PATH_H_

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "basin/status.h"

namespace basin::snap {

// The directory holding a path, and the path's last name: use as (dir(), name()) in *at
// calls. Owns the directory descriptor when it had to open one.
class PathAt {
 public:
  // REQUIRES: path absolute (or relative to the working directory), not ending in '/'.
  static Result<PathAt> Of(const std::string& path);
  PathAt(PathAt&& other) noexcept;
  PathAt& operator=(PathAt&&) = delete;
  ~PathAt();

  int dir() const { return dir_; }
  // The last name (or, for a short path with dir() AT_FDCWD, the whole path).
  const char* name() const { return name_.c_str(); }
  // A path that names the same file for calls that have no *at form (xattrs of a symlink):
  // the path itself when short, else one through /proc/self/fd.
  std::string ShortPath() const;
  // The name, for use with dir(), of `leaf` in the same directory as this path (a
  // temporary file written beside its target must be renamed within one file system).
  std::string Sibling(const std::string& leaf) const;

 private:
  PathAt(int dir, bool owned, std::string name, std::string path)
      : dir_(dir), owned_(owned), name_(std::move(name)), path_(std::move(path)) {}
  int dir_;
  bool owned_;
  std::string name_, path_;
};

// Paths shorter than this go straight to the kernel.
inline constexpr size_t kDirectPathLimit = 4000;

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_FS_PATH_H_
