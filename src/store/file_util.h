// Helpers shared by the file store's sources (file_store.cc, file_handles.cc).
#ifndef BASIN_STORE_FILE_UTIL_H_
#define BASIN_STORE_FILE_UTIL_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basin/object_store.h"
#include "basin/status.h"

struct stat;

namespace basin::file_util {

constexpr size_t kWriteBufferSize = size_t{1} << 20;

// The Status for a failed system call on `path`: NotFound, PermissionDenied, ...
Status ErrnoStatus(int err, std::string_view what, std::string_view path);

// The directory part of a path ("/" for a file at the root).
std::string_view DirOf(std::string_view path);

// A file descriptor for reading, closed on scope exit.
struct ReadFd {
  int fd;
  explicit ReadFd(int f) : fd(f) {}
  ~ReadFd() {
    if (fd >= 0) ::close(fd);
  }
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
};

// What a file's metadata says of the object it holds (key left empty): its size, its
// last-modified time, and an entity tag from inode, mtime and size, which changes whenever
// a put renames a new file over the name or an append grows it.
ObjectInfo InfoFromStat(const struct stat& st);

// Opens `path` (object `key`) for reading into *f: NotFound when it is absent or not a
// regular file. *info describes the file opened.
Status OpenObjectFile(const std::string& path, std::string_view key, ReadFd* f, ObjectInfo* info);

// A reader of the first `size` bytes of the file open at `fd` (`path`, for messages),
// mapped into memory; the mapping outlives fd. Defined in file_handles.cc.
Result<std::unique_ptr<ReadableObject>> MapForReading(const std::string& path, int fd,
                                                      uint64_t size);

}  // namespace basin::file_util

#endif  // BASIN_STORE_FILE_UTIL_H_
