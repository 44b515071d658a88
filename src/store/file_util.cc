#include "store/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace basin::file_util {

Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  const std::string msg = fmt::format("{} '{}': {}", what, path, std::strerror(err));
  switch (err) {
    case ENOENT:
      return Status::NotFound(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::PermissionDenied(msg);
    case EEXIST:
      return Status::AlreadyExists(msg);
    case ENAMETOOLONG:
      return Status::InvalidArgument(msg);
    case EINTR:
    case EAGAIN:
      return Status::Transient(msg);
    default:
      return Status::IOError(msg);
  }
}

std::string_view DirOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

ObjectInfo InfoFromStat(const struct stat& st) {
  ObjectInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  const auto mtime =
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  info.last_modified = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(mtime));
  info.etag = fmt::format("{:x}-{:x}-{:x}", static_cast<uint64_t>(st.st_ino),
                          static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                              static_cast<uint64_t>(st.st_mtim.tv_nsec),
                          info.size);
  return info;
}

Status OpenObjectFile(const std::string& path, std::string_view key, ReadFd* f, ObjectInfo* info) {
  f->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f->fd < 0) {
    if (errno == ENOTDIR) return Status::NotFound(fmt::format("no object '{}'", key));
    return ErrnoStatus(errno, "opening", path);
  }
  struct stat st;
  if (::fstat(f->fd, &st) != 0) return ErrnoStatus(errno, "stat of", path);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(fmt::format("no object '{}'", key));
  *info = InfoFromStat(st);
  return Status::OK();
}

}  // namespace basin::file_util
