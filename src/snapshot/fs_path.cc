#include "snapshot/fs_path.h"

#include <cerrno>

#include <fmt/format.h>

#include "snapshot/fs_meta.h"

namespace basin::snap {

Result<PathAt> PathAt::Of(const std::string& path) {
  const size_t slash = path.rfind('/');
  // Short: the whole path, relative to the working directory (AT_FDCWD).
  if (path.size() < kDirectPathLimit) return PathAt(AT_FDCWD, false, path, path);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // Walk down from the root (or the working directory), one directory at a time.
  int fd = ::open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "opening the root to reach", path.substr(0, 200) + "...");
  size_t pos = path[0] == '/' ? 1 : 0;
  while (pos < slash) {
    const size_t end = std::min(path.find('/', pos), slash);
    const std::string part = path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty()) continue;
    const int next = ::openat(fd, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    ::close(fd);
    if (next < 0)
      return ErrnoStatus(err, "opening a directory on the way to",
                         "..." + path.substr(path.size() - 200));
    fd = next;
  }
  return PathAt(fd, true, std::move(name), path);
}

PathAt::PathAt(PathAt&& other) noexcept
    : dir_(other.dir_),
      owned_(other.owned_),
      name_(std::move(other.name_)),
      path_(std::move(other.path_)) {
  other.owned_ = false;
}

PathAt::~PathAt() {
  if (owned_) ::close(dir_);
}

std::string PathAt::Sibling(const std::string& leaf) const {
  if (owned_) return leaf;  // dir() is the directory itself
  const size_t slash = path_.rfind('/');
  return slash == std::string::npos ? leaf : path_.substr(0, slash + 1) + leaf;
}

std::string PathAt::ShortPath() const {
  if (!owned_) return path_;
  return fmt::format("/proc/self/fd/{}/{}", dir_, name_);
}

}  // namespace basin::snap
