// The file store's handles that step outside its write-then-rename protocol
// (file_store.cc):
//   - Appendable objects (logs) are written in place with pwrite and made durable with
//     fdatasync; a new one is created with O_EXCL and its directory fsynced at the first
//     Sync. Their readers (the log) tolerate a torn tail.
//   - Readable objects map the file and copy ranges out of the page cache.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "store/file_store.h"
#include "store/file_util.h"

namespace basin {

using file_util::DirOf;
using file_util::ErrnoStatus;
using file_util::kWriteBufferSize;
using file_util::OpenObjectFile;
using file_util::ReadFd;

// An object appended in place.
class FileAppendable : public AppendableObject {
 public:
  FileAppendable(FileStore* store, std::string path, int fd, uint64_t size, bool created)
      : store_(store),
        path_(std::move(path)),
        fd_(fd),
        size_(size),
        flushed_(size),
        dir_unsynced_(created) {}
  ~FileAppendable() override {
    Flush().IgnoreError();
    store_->ops()->Close(fd_);
  }

  Status Append(std::string_view data) override {
    if (!status_.ok()) return status_;
    size_ += data.size();
    if (data.size() >= kWriteBufferSize) {  // large: write it directly, without a copy
      BASIN_RETURN_IF_ERROR(Flush());
      return Write(data);
    }
    buffer_.append(data);
    if (buffer_.size() >= kWriteBufferSize) return Flush();
    return Status::OK();
  }

  Status Flush() override {
    if (!status_.ok()) return status_;
    BASIN_RETURN_IF_ERROR(Write(buffer_));
    buffer_.clear();
    return Status::OK();
  }

  Status Sync() override {
    BASIN_RETURN_IF_ERROR(Flush());
    if (::fdatasync(fd_) != 0) {
      // Never retried: the kernel may have dropped the pages it failed to write.
      return status_ = ErrnoStatus(errno, "fdatasync of", path_);
    }
    if (dir_unsynced_) {
      BASIN_RETURN_IF_ERROR(status_ = store_->SyncDir(std::string(DirOf(path_))));
      dir_unsynced_ = false;
    }
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    if (size > size_) {
      return Status::InvalidArgument(
          fmt::format("cannot truncate '{}' of {} bytes to {}", path_, size_, size));
    }
    BASIN_RETURN_IF_ERROR(Flush());
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return status_ = ErrnoStatus(errno, "truncating", path_);
    }
    size_ = flushed_ = size;
    return Status::OK();
  }

  uint64_t size() const override { return size_; }

 private:
  Status Write(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(flushed_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return status_ = ErrnoStatus(n < 0 ? errno : ENOSPC, "appending to", path_);
      data.remove_prefix(static_cast<size_t>(n));
      flushed_ += static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  FileStore* store_;
  const std::string path_;
  const int fd_;
  uint64_t size_;     // including the buffer
  uint64_t flushed_;  // in the file
  bool dir_unsynced_;
  std::string buffer_;
  Status status_;
};

// A file mapped into memory for reads: a range read is a copy from the page cache, with
// no system call. Objects never change in place (puts rename a new file over the old
// name, which leaves a mapped file as it was), so the mapping stays valid; only a file
// truncated by someone outside basin could fault it.
class FileReadable : public ReadableObject {
 public:
  FileReadable(std::string path, const char* base, uint64_t size)
      : path_(std::move(path)), base_(base), size_(size) {}
  ~FileReadable() override {
    if (size_ > 0) ::munmap(const_cast<char*>(base_), size_);
  }
  uint64_t size() const override { return size_; }
  Status Read(uint64_t offset, uint64_t length, std::string* out) override {
    if (offset > size_ || length > size_ - offset) {
      return Status::InvalidArgument(fmt::format("read [{}, {}) of '{}' reaches past its end ({})",
                                                 offset, offset + length, path_, size_));
    }
    out->assign(base_ + offset, length);
    return Status::OK();
  }
  std::string_view Mapped() const override { return {base_, size_}; }

 private:
  const std::string path_;
  const char* const base_;
  const uint64_t size_;
};

Result<std::unique_ptr<ReadableObject>> FileStore::DoOpenReadable(
    std::string_view key, uint64_t /*prefetch_tail: mapped*/) {
  const std::string path = PathOf(key);
  ReadFd f(-1);
  ObjectInfo info;
  BASIN_RETURN_IF_ERROR(OpenObjectFile(path, key, &f, &info));
  return file_util::MapForReading(path, f.fd, info.size);
}

Result<std::unique_ptr<ReadableObject>> file_util::MapForReading(const std::string& path, int fd,
                                                                 uint64_t size) {
  const char* base = nullptr;
  if (size > 0) {
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return ErrnoStatus(errno, "mapping", path);
    base = static_cast<const char*>(m);
  }
  return std::unique_ptr<ReadableObject>(std::make_unique<FileReadable>(path, base, size));
}

Result<std::unique_ptr<AppendableObject>> FileStore::DoOpenAppendable(std::string_view key) {
  const std::string path = PathOf(key);
  BASIN_RETURN_IF_ERROR(EnsureParentDirs(path));
  bool created = true;
  int fd = ops_->Open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kObjectFileMode);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ops_->Open(path.c_str(), O_WRONLY | O_CLOEXEC, 0);
  }
  if (fd < 0) {
    if (errno == EISDIR) {
      return Status::InvalidArgument(
          fmt::format("'{}' is a directory of other objects, it cannot also be one", path));
    }
    return ErrnoStatus(errno, "opening for append", path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    ops_->Close(fd);
    return ErrnoStatus(err == 0 ? EINVAL : err, "stat of", path);
  }
  return std::unique_ptr<AppendableObject>(
      std::make_unique<FileAppendable>(this, path, fd, static_cast<uint64_t>(st.st_size), created));
}

}  // namespace basin
