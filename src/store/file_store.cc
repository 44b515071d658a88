// FileStore: objects as files under a root directory.
//
// Crash-safety protocol (a put, and a writer's Close, do exactly this):
//   1. Create the missing parent directories of ROOT/KEY one at a time; after each mkdir,
//      fsync the directory that holds it, so the new entry survives a crash.
//   2. Write the bytes to DIR/.basin-tmp-<random>, opened O_CREAT|O_EXCL in the object's own
//      directory (one file system, so the rename below is atomic).
//   3. fsync the temp file and close it, checking both results.
//   4. Overwrite: rename(tmp, KEY). Create-only: renameat2(RENAME_NOREPLACE), or where the
//      file system lacks it, link(tmp, KEY), which fails with EEXIST atomically, then
//      unlink(tmp). Either way of two racing creators exactly one wins. If-match: stat KEY
//      and compare its entity tag (inode, mtime, size: file_util.h), then rename, holding
//      the store's lock file ROOT/.basin-lock exclusively (flock); overwrites and deletes
//      hold it shared around their rename or unlink, so no write lands between the check
//      and the rename. Of two racing compare-and-swaps naming one version exactly one wins.
//   5. fsync DIR, so the new name is durable before success is reported.
// A failure in steps 1-4 unlinks the temp file and leaves KEY as it was: absent, or the
// old object whole. A failed fsync is reported and never retried on the same file: after
// a failed fsync the kernel may have dropped the dirty pages, and a second fsync would
// "succeed" without them. The caller redoes the whole put from its own bytes.
// Temp files a crash leaves behind have names starting with ".basin-": List never shows
// them and ValidateKey refuses such keys, so they are never seen as objects. A writer holds
// an flock on its temp file; SweepFileStore removes only temp files that are unlocked (their
// writer is gone) and older than a limit.
// Delete: unlink(KEY), then fsync DIR. Reads use plain open/pread and never see a temp.
// Appendable objects and mapped reads, which step outside this protocol: file_handles.cc.
#include "store/file_store.h"
#include "store/file_util.h"
#include "store/range.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "basin/file_store.h"

namespace basin {
namespace {

using file_util::DirOf;
using file_util::ErrnoStatus;
using file_util::kWriteBufferSize;
using file_util::OpenObjectFile;
using file_util::ReadFd;

constexpr std::string_view kTempPrefix = ".basin-tmp-";

std::string TempName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{:016x}", kTempPrefix, rng());
}

}  // namespace

// Closes a store lock's fd (releasing the lock) at scope exit.
struct LockFd {
  FsOps* ops;
  int fd;
  ~LockFd() { ops->Close(fd); }
};

class FileWriter : public ObjectWriter {
 public:
  // if_match: for an if-match put, the entity tag the object must have (mode: overwrite).
  FileWriter(FileStore* store, std::string path, PutMode mode, std::string if_match = {})
      : store_(store), path_(std::move(path)), mode_(mode), if_match_(std::move(if_match)) {}
  ~FileWriter() override { Abort(); }

  Status Start() {
    BASIN_RETURN_IF_ERROR(store_->EnsureParentDirs(path_));
    const std::string dir(DirOf(path_));
    for (int attempt = 0; attempt < 8; ++attempt) {
      temp_ = dir + "/" + TempName();
      fd_ = store_->ops()->Open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd_ >= 0) {
        // Held until the file is renamed or removed: SweepFileStore leaves locked temp
        // files alone, and a crash releases the lock. (Where flock is unsupported, the
        // sweep's age limit is the only guard.)
        ::flock(fd_, LOCK_EX | LOCK_NB);
        return Status::OK();
      }
      if (errno != EEXIST) break;
    }
    const int err = errno;
    temp_.clear();
    return Fail(ErrnoStatus(err, "creating a temporary file for", path_));
  }

  Status Append(std::string_view data) override {
    if (!status_.ok()) return status_;
    if (closed_) return Status::InvalidArgument("append to a closed writer for " + path_);
    appended_ += data.size();
    if (buffer_.size() + data.size() <= kWriteBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    BASIN_RETURN_IF_ERROR(Flush());
    if (data.size() >= kWriteBufferSize) return WriteAll(data);
    buffer_.append(data);
    return Status::OK();
  }

  Status Close() override {
    if (!status_.ok()) return status_;
    if (closed_) return Status::InvalidArgument("writer for " + path_ + " closed twice");
    BASIN_RETURN_IF_ERROR(Flush());
    if (store_->ops()->Fsync(fd_) != 0) return Fail(ErrnoStatus(errno, "fsync of", temp_));
    const int fd = fd_;
    fd_ = -1;
    if (store_->ops()->Close(fd) != 0) return Fail(ErrnoStatus(errno, "close of", temp_));
    BASIN_RETURN_IF_ERROR(Publish());
    closed_ = true;
    if (Status s = store_->SyncDir(std::string(DirOf(path_))); !s.ok()) {
      // The object is visible and whole; only its durability is in doubt.
      return status_ = s;
    }
    return Status::OK();
  }

  void Abort() override {
    if (fd_ >= 0) {
      store_->ops()->Close(fd_);
      fd_ = -1;
    }
    if (!temp_.empty()) {
      store_->ops()->Unlink(temp_.c_str());
      temp_.clear();
    }
    if (status_.ok() && !closed_) status_ = Status::InvalidArgument("writer aborted");
  }

  uint64_t bytes_appended() const override { return appended_; }

 private:
  Status Fail(Status s) {
    status_ = s;
    Abort();
    status_ = s;
    return s;
  }

  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    BASIN_RETURN_IF_ERROR(WriteAll(buffer_));
    buffer_.clear();
    return Status::OK();
  }

  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = store_->ops()->Write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail(ErrnoStatus(n < 0 ? errno : ENOSPC, "writing", temp_));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  // Step 4 of the protocol: give the temp file its final name.
  Status Publish() {
    FsOps* ops = store_->ops();
    if (mode_ == PutMode::kOverwrite) {
      auto lock = store_->LockStore(/*exclusive=*/!if_match_.empty());
      if (!lock.ok()) return Fail(lock.status());
      LockFd held{ops, *lock};
      if (!if_match_.empty()) BASIN_RETURN_IF_ERROR(CheckVersion());
      if (ops->Rename(temp_.c_str(), path_.c_str(), false) != 0) return Fail(NameError(errno));
      temp_.clear();
      return Status::OK();
    }
    if (ops->Rename(temp_.c_str(), path_.c_str(), true) == 0) {
      temp_.clear();
      return Status::OK();
    }
    if (errno != EINVAL && errno != ENOSYS) return Fail(NameError(errno));
    if (ops->Link(temp_.c_str(), path_.c_str()) != 0) return Fail(NameError(errno));
    ops->Unlink(temp_.c_str());  // the object is in place; a leftover temp is harmless
    temp_.clear();
    return Status::OK();
  }

  // The object must be the version named by if_match_. REQUIRES: the store locked.
  Status CheckVersion() {
    struct stat st;
    if (::stat(path_.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Fail(Status::NotFound(fmt::format("no object '{}' to replace", path_)));
    }
    const std::string now = file_util::InfoFromStat(st).etag;
    if (now != if_match_) {
      return Fail(Status::AlreadyExists(
          fmt::format("'{}' is no longer version {} (it is {})", path_, if_match_, now)));
    }
    return Status::OK();
  }

  Status NameError(int err) {
    struct stat st;
    if ((err == EEXIST || err == EISDIR) && ::stat(path_.c_str(), &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(
          fmt::format("'{}' is a directory of other objects, it cannot also be one", path_));
    }
    if (err == EEXIST) return Status::AlreadyExists(fmt::format("'{}' already exists", path_));
    return ErrnoStatus(err, "renaming a temporary file to", path_);
  }

  FileStore* store_;
  const std::string path_;
  const PutMode mode_;
  const std::string if_match_;
  std::string temp_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t appended_ = 0;
  bool closed_ = false;
  Status status_;
};

FileStore::FileStore(std::string root, FsOps* ops) : root_(std::move(root)), ops_(ops) {}

std::string FileStore::url() const { return "file://" + (root_.empty() ? "/" : root_); }

std::string FileStore::PathOf(std::string_view key) const {
  std::string p = root_;
  p += '/';
  p += key;
  return p;
}

Status FileStore::SyncDir(const std::string& dir) {
  const int fd = ops_->Open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "opening directory", dir);
  const int rc = ops_->Fsync(fd);
  const int err = errno;
  ops_->Close(fd);
  if (rc != 0) return ErrnoStatus(err, "fsync of directory", dir);
  return Status::OK();
}

Status FileStore::EnsureParentDirs(const std::string& path) {
  const std::string_view parent = DirOf(path);
  struct stat st;
  if (::stat(std::string(parent).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();
  // Walk down from the root, creating what is missing.
  size_t pos = root_.size() + 1;
  while (true) {
    const size_t slash = path.find('/', pos);
    if (slash == std::string::npos) return Status::OK();
    const std::string dir = path.substr(0, slash);
    pos = slash + 1;
    if (::stat(dir.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      return Status::InvalidArgument(
          fmt::format("'{}' is an object, so no object can be stored under it ('{}')", dir, path));
    }
    if (ops_->Mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST) continue;  // created by a racing put
      return ErrnoStatus(errno, "creating directory", dir);
    }
    BASIN_RETURN_IF_ERROR(SyncDir(std::string(DirOf(dir))));
  }
}

Result<std::unique_ptr<ObjectWriter>> FileStore::DoNewWriter(std::string_view key, PutMode mode) {
  std::string path = PathOf(key);
  struct stat st;
  if (mode == PutMode::kCreateOnly && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    // Fail before any bytes are written; Close() checks again, atomically.
    return Status::AlreadyExists(fmt::format("'{}' already exists", key));
  }
  auto writer = std::make_unique<FileWriter>(this, std::move(path), mode);
  BASIN_RETURN_IF_ERROR(writer->Start());
  return std::unique_ptr<ObjectWriter>(std::move(writer));
}

Status FileStore::DoPut(std::string_view key, std::string_view data, PutMode mode) {
  BASIN_ASSIGN_OR_RETURN(auto writer, DoNewWriter(key, mode));
  BASIN_RETURN_IF_ERROR(writer->Append(data));
  return writer->Close();
}

Status FileStore::DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) {
  std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    // Fail before any bytes are written; the rename checks again, under the lock.
    return Status::NotFound(fmt::format("no object '{}' to replace", key));
  }
  FileWriter writer(this, std::move(path), PutMode::kOverwrite, std::string(etag));
  BASIN_RETURN_IF_ERROR(writer.Start());
  BASIN_RETURN_IF_ERROR(writer.Append(data));
  return writer.Close();
}

Result<int> FileStore::LockStore(bool exclusive) {
  const std::string path = root_ + "/.basin-lock";
  const int fd = ops_->Open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "opening the store's lock file", path);
  while (::flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ops_->Close(fd);
    return ErrnoStatus(err, "locking", path);
  }
  return fd;
}

Status FileStore::DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                        std::string* out, ObjectInfo* info) {
  const std::string path = PathOf(key);
  ReadFd f(-1);
  ObjectInfo opened;
  BASIN_RETURN_IF_ERROR(OpenObjectFile(path, key, &f, &opened));
  if (!options.if_match.empty() && options.if_match != opened.etag) {
    return Status::IOError(
        fmt::format("'{}' changed while being read (version {}, now {}): read it again", key,
                    options.if_match, opened.etag));
  }
  uint64_t begin = 0, end = 0;
  BASIN_RETURN_IF_ERROR(ResolveRange(key, range, opened.size, &begin, &end));
  if (info != nullptr) *info = std::move(opened);
  out->resize(end - begin);
  uint64_t done = 0;
  while (begin + done < end) {
    const ssize_t n =
        ::pread(f.fd, out->data() + done, end - begin - done, static_cast<off_t>(begin + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "reading", path);
    if (n == 0) {
      out->clear();
      return Status::IOError(
          fmt::format("'{}' ended at {} while reading to {}", path, begin + done, end));
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Result<ObjectInfo> FileStore::DoStat(std::string_view key) {
  const std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOTDIR) return Status::NotFound(fmt::format("no object '{}'", key));
    return ErrnoStatus(errno, "stat of", path);
  }
  if (!S_ISREG(st.st_mode)) return Status::NotFound(fmt::format("no object '{}'", key));
  ObjectInfo info = file_util::InfoFromStat(st);
  info.key = std::string(key);
  return info;
}

Status FileStore::DoDelete(std::string_view key) {
  const std::string path = PathOf(key);
  {
    BASIN_ASSIGN_OR_RETURN(const int lock, LockStore(/*exclusive=*/false));
    LockFd held{ops_, lock};
    if (ops_->Unlink(path.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Status::OK();
      return ErrnoStatus(errno, "deleting", path);
    }
  }
  return SyncDir(std::string(DirOf(path)));
}

// Walks `dir` (holding keys that start with `key_prefix`) in bytewise key order. A
// directory sorts as its name plus '/', which puts it exactly where its keys belong:
// "a-c" < "a/b" because '-' < '/'.
Status FileStore::Walk(const std::string& dir, const std::string& key_prefix,
                       const ListOptions& options, ListPage* page) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();  // removed meanwhile
    return ErrnoStatus(errno, "listing", dir);
  }
  struct Entry {
    std::string sort_name;
    bool is_dir;
  };
  std::vector<Entry> entries;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || name.starts_with(".basin-")) continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      entries.push_back({std::string(name) + "/", true});
    } else if (type == DT_REG) {
      entries.push_back({std::string(name), false});
    }
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.sort_name < b.sort_name; });

  const std::string& prefix = options.prefix;
  const std::string& after = options.start_after;
  for (const Entry& e : entries) {
    const std::string full = key_prefix + e.sort_name;
    if (e.is_dir) {
      if (!full.starts_with(prefix) && !prefix.starts_with(full)) continue;
      if (full < after && !after.starts_with(full)) continue;  // every key in it is <= after
      BASIN_RETURN_IF_ERROR(
          Walk(dir + "/" + e.sort_name.substr(0, e.sort_name.size() - 1), full, options, page));
      if (page->truncated) return Status::OK();
      continue;
    }
    if (!full.starts_with(prefix) || full <= after || !ValidateKey(full).ok()) continue;
    struct stat st;
    if (::stat((dir + "/" + e.sort_name).c_str(), &st) != 0) continue;  // deleted meanwhile
    if (page->objects.size() == options.max_keys) {
      page->truncated = true;
      return Status::OK();
    }
    ObjectInfo info = file_util::InfoFromStat(st);
    info.key = full;
    page->objects.push_back(std::move(info));
  }
  return Status::OK();
}

Result<ListPage> FileStore::DoList(const ListOptions& options) {
  ListPage page;
  BASIN_RETURN_IF_ERROR(Walk(root_.empty() ? "/" : root_, "", options, &page));
  return page;
}

Result<std::shared_ptr<ObjectStore>> OpenFileStoreWithOps(const std::string& root,
                                                          const FileStoreOptions& options,
                                                          FsOps* ops) {
  if (root.empty()) return Status::InvalidArgument("empty file store root");
  std::string abs = root;
  if (abs[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return ErrnoStatus(errno, "getcwd for", root);
    abs = std::string(cwd) + "/" + abs;
  }
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  struct stat st;
  if (::stat(abs.c_str(), &st) != 0) {
    if (errno != ENOENT || !options.create_root) return ErrnoStatus(errno, "opening store", abs);
    // mkdir -p, one component at a time.
    for (size_t pos = 1; pos <= abs.size(); ++pos) {
      if (pos != abs.size() && abs[pos] != '/') continue;
      const std::string dir = abs.substr(0, pos);
      if (ops->Mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "creating store directory", dir);
      }
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("store root '{}' is not a directory", abs));
  }
  if (abs == "/") abs.clear();  // paths are root_ + "/" + key
  return std::shared_ptr<ObjectStore>(std::make_shared<FileStore>(abs, ops));
}

Result<std::shared_ptr<ObjectStore>> OpenFileStore(const std::string& root,
                                                   const FileStoreOptions& options) {
  return OpenFileStoreWithOps(root, options, FsOps::Default());
}

namespace {

Status SweepDir(const std::string& dir, const SweepOptions& o, SweepReport* report) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();  // removed meanwhile
    return ErrnoStatus(errno, "listing", dir);
  }
  std::vector<std::string> subdirs, temps;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(dir + "/" + std::string(name));
    } else if (S_ISREG(st.st_mode) && name.starts_with(kTempPrefix)) {
      const auto age = std::chrono::system_clock::now() -
                       std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
      if (age >= o.min_age) {
        temps.push_back(dir + "/" + std::string(name));
      } else {
        ++report->skipped_young;
      }
    }
  }
  ::closedir(d);
  for (const std::string& path : temps) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;  // renamed or removed by its writer meanwhile
    struct stat st;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::fstat(fd, &st) != 0) {
      ++report->skipped_in_use;  // its writer is alive
      ::close(fd);
      continue;
    }
    if (o.dry_run || ::unlink(path.c_str()) == 0) {
      ++report->removed;
      report->bytes_freed += static_cast<uint64_t>(st.st_size);
    }
    ::close(fd);
  }
  for (const std::string& sub : subdirs) BASIN_RETURN_IF_ERROR(SweepDir(sub, o, report));
  return Status::OK();
}

}  // namespace

Result<SweepReport> SweepFileStore(const std::string& root, std::chrono::seconds min_age,
                                   bool dry_run) {
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) return ErrnoStatus(errno, "opening the store at", root);
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("'{}' is not a directory", root));
  }
  SweepReport report;
  SweepOptions o;
  o.min_age = min_age;
  o.dry_run = dry_run;
  BASIN_RETURN_IF_ERROR(SweepDir(root, o, &report));
  return report;
}

// The directories the prefix names, whole: "strata/da" sweeps ROOT/strata.
Result<SweepReport> FileStore::DoSweep(const SweepOptions& options) {
  const size_t slash = options.prefix.rfind('/');
  const std::string dir =
      slash == std::string::npos ? root_ : root_ + "/" + options.prefix.substr(0, slash);
  SweepReport report;
  BASIN_RETURN_IF_ERROR(SweepDir(dir, options, &report));
  return report;
}

}  // namespace basin
