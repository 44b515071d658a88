#include "snapshot/restore_target.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include <fmt/format.h>

#include "snapshot/fs_meta.h"
#include "snapshot/fs_path.h"

namespace basin::snap {
namespace {

// "a file", "a symbolic link"... for messages.
std::string_view KindOf(mode_t mode) {
  if (S_ISREG(mode)) return "a file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a special file";
}

std::string_view KindOf(EntryType type) { return KindOf(TypeBits(type)); }

std::string Join(const std::string& dir, const char* name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

std::string RestoreTempName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{:016x}", kRestoreTempPrefix, rng());
}

bool IsRestoreTempName(std::string_view name) {
  if (name.size() != kRestoreTempPrefix.size() + kRestoreTempHexDigits ||
      name.substr(0, kRestoreTempPrefix.size()) != kRestoreTempPrefix) {
    return false;
  }
  for (char c : name.substr(kRestoreTempPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<uint64_t> RemoveRestoreTemps(const std::string& dir, bool follow_dir) {
  BASIN_ASSIGN_OR_RETURN(PathAt at, PathAt::Of(dir));
  const int fd = ::openat(at.dir(), at.name(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow_dir ? 0 : O_NOFOLLOW));
  if (fd < 0) return ErrnoStatus(errno, "opening to list", dir);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, "listing", dir);
  }
  uint64_t removed = 0;
  Status s;
  while (true) {
    errno = 0;
    const struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) s = ErrnoStatus(errno, "listing", dir);
      break;
    }
    struct stat st;
    if (!IsRestoreTempName(e->d_name) || ::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      continue;
    }
    if (::unlinkat(fd, e->d_name, 0) == 0) {
      ++removed;
    } else if (errno != ENOENT) {
      s = ErrnoStatus(errno, "removing the stale temporary file", Join(dir, e->d_name));
      break;
    }
  }
  ::closedir(d);
  BASIN_RETURN_IF_ERROR(s);
  return removed;
}

Status MakeRestoreDir(const std::string& path, bool replace, bool* existed) {
  *existed = false;
  BASIN_ASSIGN_OR_RETURN(PathAt at, PathAt::Of(path));
  if (::mkdirat(at.dir(), at.name(), 0700) == 0) return Status::OK();
  if (errno != EEXIST) return ErrnoStatus(errno, "creating directory", path);
  struct stat st;
  if (::fstatat(at.dir(), at.name(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoStatus(errno, "looking at", path);
  }
  if (S_ISDIR(st.st_mode)) {
    *existed = true;
    return Status::OK();
  }
  if (!replace) {
    return Status::AlreadyExists(
        fmt::format("'{}' is {} where the snapshot has a directory: left as it is (overwrite "
                    "never), and nothing of the snapshot below it is restored",
                    path, KindOf(st.st_mode)));
  }
  // unlinkat removes a symlink itself, never what it points to.
  if (::unlinkat(at.dir(), at.name(), 0) != 0 && errno != ENOENT) {
    return ErrnoStatus(
        errno, fmt::format("removing {} in the way of the directory", KindOf(st.st_mode)), path);
  }
  if (::mkdirat(at.dir(), at.name(), 0700) != 0) {
    return ErrnoStatus(errno, "creating directory", path);
  }
  return Status::OK();
}

Status RemoveDirInTheWay(const std::string& path, bool replace, EntryType due) {
  if (!replace) {
    return Status::AlreadyExists(fmt::format(
        "'{}' is a directory where the snapshot has {}: left as it is (overwrite never)", path,
        KindOf(due)));
  }
  BASIN_ASSIGN_OR_RETURN(PathAt at, PathAt::Of(path));
  if (::unlinkat(at.dir(), at.name(), AT_REMOVEDIR) == 0 || errno == ENOENT) return Status::OK();
  if (errno == ENOTEMPTY || errno == EEXIST) {
    return Status::AlreadyExists(
        fmt::format("'{}' is a directory that is not empty where the snapshot has {}: left as "
                    "it is (a restore never removes what is in a directory); move it away and "
                    "restore again",
                    path, KindOf(due)));
  }
  return ErrnoStatus(
      errno, fmt::format("removing the empty directory in the way of {}", KindOf(due)), path);
}

}  // namespace basin::snap
