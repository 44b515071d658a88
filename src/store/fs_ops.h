// The file-system calls FileStore makes to change state, behind an interface so that tests
// can fail any one of them (see file_store_test.cc). Each method returns what the system
// call returns and leaves errno as it does. Thread-safe.
#ifndef BASIN_STORE_FS_OPS_H_
#define BASIN_STORE_FS_OPS_H_

#include <sys/types.h>

#include <cstddef>

namespace basin {

class FsOps {
 public:
  virtual ~FsOps() = default;
  virtual int Open(const char* path, int flags, mode_t mode);
  virtual ssize_t Write(int fd, const void* buf, size_t n);
  virtual int Fsync(int fd);
  virtual int Close(int fd);
  // rename(2); with no_replace, renameat2(RENAME_NOREPLACE), failing with EEXIST.
  virtual int Rename(const char* from, const char* to, bool no_replace);
  virtual int Link(const char* from, const char* to);
  virtual int Unlink(const char* path);
  virtual int Mkdir(const char* path, mode_t mode);

  static FsOps* Default();
};

}  // namespace basin

#endif  // BASIN_STORE_FS_OPS_H_
