#include "store/fs_ops.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

namespace basin {

int FsOps::Open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }
ssize_t FsOps::Write(int fd, const void* buf, size_t n) { return ::write(fd, buf, n); }
int FsOps::Fsync(int fd) { return ::fsync(fd); }
int FsOps::Close(int fd) { return ::close(fd); }
int FsOps::Rename(const char* from, const char* to, bool no_replace) {
  return ::renameat2(AT_FDCWD, from, AT_FDCWD, to, no_replace ? RENAME_NOREPLACE : 0);
}
int FsOps::Link(const char* from, const char* to) { return ::link(from, to); }
int FsOps::Unlink(const char* path) { return ::unlink(path); }
int FsOps::Mkdir(const char* path, mode_t mode) { return ::mkdir(path, mode); }

FsOps* FsOps::Default() {
  static FsOps ops;
  return &ops;
}

}  // namespace basin
