// Backup (include/basin/backup.h): a walker thread lists directories depth first and hands
// files that changed to reader tasks on the executor (at most `parallelism` at once, a
// bounded queue behind them: the walker waits, helping, when it is full). Each directory
// counts its entries still in flight; the task that completes the last one writes the
// directory's tree and reports it to the directory above, so trees are built bottom-up as
// soon as they can be, and memory holds only directories whose entries are in flight.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "basin/backup.h"
#include "repo/chunker.h"
#include "snapshot/fs_meta.h"
#include "snapshot/fs_path.h"
#include "snapshot/snapshot_format.h"
#include "snapshot/tree_codec.h"
#include "util/read_window.h"
#include "util/task_group.h"

namespace basin {
namespace {

using snap::ErrnoStatus;

constexpr size_t kReadBuffer = 1 << 20;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HostName() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
}

std::string UserName() {
  snap::OwnerNames names;
  return names.User(::getuid());
}

// Makes `path` absolute and removes ".", ".." and repeated '/' (without resolving links).
Result<std::string> Normalize(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("an empty path");
  std::string abs = path;
  if (abs[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return ErrnoStatus(errno, "getcwd for", path);
    abs = std::string(cwd) + "/" + abs;
  }
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < abs.size()) {
    const size_t end = std::min(abs.find('/', pos), abs.size());
    const std::string part = abs.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string Join(const std::string& dir, std::string_view name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

bool SameFile(const TreeEntry& a, const TreeEntry& b) {
  return a.type == b.type && a.size == b.size && a.mtime == b.mtime && a.ctime == b.ctime &&
         a.inode == b.inode;
}

class Archiver {
 public:
  Archiver(Basin& basin, const BackupOptions& o)
      : basin_(basin),
        o_(o),
        chunker_(basin.GearTable(), basin.settings().chunker),
        files_(o.parallelism > 0 ? o.parallelism
                                 : std::max<size_t>(4, 2 * std::thread::hardware_concurrency()),
               64) {}

  Result<BackupResult> Run();

 private:
  // A directory being backed up. Deleted once its tree is written and reported.
  struct Dir {
    std::string path;
    Dir* parent = nullptr;
    size_t slot = 0;  // its entry in parent->entries
    std::vector<TreeEntry> entries;
    std::vector<char> dropped;
    std::atomic<size_t> pending{1};  // entries in flight, +1 until expanded
    std::optional<Tree> old;         // this directory in the parent snapshot
    // An intermediate directory on the way to a path backed up: only these children.
    std::map<std::string, std::unique_ptr<Dir>> chosen;
    bool whole = true;
  };

  Status Prepare();
  Status BuildRoots();
  // Lists and stats `dir`'s entries, hands files to readers, queues subdirectories.
  void Expand(Dir* dir, std::vector<Dir*>* stack);
  // One entry named `name` of `dir`, stat'ed. False to leave it out.
  bool Admit(Dir* dir, int dirfd, const std::string& path, const struct stat& st);
  void Entry(Dir* dir, size_t slot, int dirfd, std::vector<Dir*>* stack);
  // Reads a file that is new (`changed` false) or changed since the parent snapshot, and
  // counts it as such once read; one that cannot be read counts as an error only.
  void ReadFile(Dir* dir, size_t slot, const std::string& path, bool changed);
  // Reads and chunks a file's data; *read_errno is set when reading the file failed (a
  // warning), the returned status when storing failed (fatal). `stream`: read with read(2)
  // until the end (standard input), not by offset.
  Status ReadContent(int fd, const struct stat& st, bool stream, TreeEntry* e, int* read_errno);
  Status PutChunk(std::string_view chunk, std::vector<ContentPiece>* pieces);
  // An entry of `dir` is complete; the last one finishes the directory.
  void Done(Dir* dir);
  void FinishDir(Dir* dir);
  void Fail(Status s) {
    std::lock_guard lock(mu_);
    if (status_.ok()) status_ = std::move(s);
  }
  bool failed() {
    std::lock_guard lock(mu_);
    return !status_.ok();
  }
  void Warn(const std::string& path, const Status& why) {
    ++errors_;
    if (o_.warning) o_.warning(path, why);
  }
  void Scan();
  void Report();
  void CheckpointLoop();

  Basin& basin_;
  const BackupOptions& o_;
  const repo::Chunker chunker_;
  TaskGroup files_;
  std::unique_ptr<BasinWriter> writer_;
  snap::OwnerNames names_;
  std::vector<std::string> paths_;
  std::optional<Snapshot> parent_;
  std::unique_ptr<Dir> root_;
  dev_t root_device_ = 0;

  std::mutex mu_;
  Status status_;
  std::optional<GrainId> root_id_;
  std::atomic<uint64_t> errors_{0}, changed_while_read_{0};
  std::atomic<uint64_t> files_new_{0}, files_changed_{0}, files_unchanged_{0};
  std::atomic<uint64_t> dirs_new_{0}, dirs_changed_{0}, dirs_unchanged_{0};
  std::atomic<uint64_t> bytes_read_{0}, files_done_{0}, bytes_done_{0};
  std::atomic<uint64_t> files_total_{0}, bytes_total_{0};
  std::atomic<bool> scan_done_{false}, finished_{false};
  std::mutex current_mu_;
  std::string current_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
};

Status Archiver::Prepare() {
  if (o_.paths.empty() && !o_.from_stdin) {
    return Status::InvalidArgument("nothing to back up: name at least one path");
  }
  for (const std::string& p : o_.paths) {
    BASIN_ASSIGN_OR_RETURN(std::string n, Normalize(p));
    paths_.push_back(n);
  }
  if (o_.from_stdin) paths_ = {"/" + o_.stdin_filename};
  std::sort(paths_.begin(), paths_.end());
  paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
  // The parent: given, or the newest snapshot of this host and these paths.
  const std::string host = o_.host.empty() ? HostName() : o_.host;
  if (o_.parent) {
    BASIN_ASSIGN_OR_RETURN(parent_, ReadSnapshot(basin_, *o_.parent));
  } else if (!o_.from_stdin) {
    BASIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(basin_));
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      auto sorted = it->paths;
      std::sort(sorted.begin(), sorted.end());
      if (it->host == host && sorted == paths_) {
        // A parent a prune forgot and deleted after this process read the journal is gone
        // (NotFound): it only saves reading unchanged files, so back up without one. One
        // the journal still lists is damage.
        auto parent = ReadSnapshot(basin_, it->id);
        if (parent.ok()) {
          parent_ = std::move(parent).value();
        } else if (!parent.status().IsNotFound()) {
          return parent.status();
        } else {
          BASIN_RETURN_IF_ERROR(basin_.Refresh());
          const auto live = basin_.Snapshots();
          if (std::any_of(live.begin(), live.end(),
                          [&](const SnapshotEntry& e) { return e.id == it->id; })) {
            return parent.status();
          }
        }
        break;
      }
    }
  }
  if (!o_.dry_run) {
    BASIN_ASSIGN_OR_RETURN(writer_, basin_.NewWriter());
    writer_->SetReferences(SnapshotReferences);
  }
  return Status::OK();
}

// The root "/" and the directories leading to each path backed up: each holds only the
// children that lead to a path, with its own metadata.
Status Archiver::BuildRoots() {
  root_ = std::make_unique<Dir>();
  root_->path = "/";
  root_->whole = false;
  for (const std::string& p : paths_) {
    Dir* d = root_.get();
    size_t pos = 1;
    while (pos < p.size()) {
      const size_t end = std::min(p.find('/', pos), p.size());
      const std::string name = p.substr(pos, end - pos);
      pos = end + 1;
      if (d->whole && d != root_.get()) break;  // already backed up whole
      auto& child = d->chosen[name];
      if (!child) {
        child = std::make_unique<Dir>();
        child->path = Join(d->path, name);
        child->parent = d;
        child->whole = false;
      }
      d = child.get();
    }
    d->whole = true;
    d->chosen.clear();
  }
  if (parent_) {
    auto old = ReadTree(basin_, parent_->root);
    if (old.ok()) root_->old = std::move(old).value();
  }
  struct stat st;
  if (::lstat("/", &st) == 0) root_device_ = st.st_dev;
  return Status::OK();
}

bool Archiver::Admit(Dir* dir, int dirfd, const std::string& path, const struct stat& st) {
  for (const std::string& pattern : o_.excludes) {
    if (snap::GlobMatch(pattern, path)) return false;
  }
  if (S_ISDIR(st.st_mode)) {
    if (o_.one_file_system && dir->parent != nullptr && st.st_dev != root_device_) return false;
    if (o_.exclude_caches) {
      const std::string tag = path.substr(path.rfind('/') + 1) + "/CACHEDIR.TAG";
      const int fd = ::openat(dirfd, tag.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd >= 0) {
        char sig[43];
        const ssize_t n = ::read(fd, sig, sizeof sig);
        ::close(fd);
        if (n == 43 && std::memcmp(sig, "Signature: 8a477f597d28d172789f06886806bc55", 43) == 0) {
          return false;
        }
      }
    }
  }
  return true;
}

void Archiver::Expand(Dir* dir, std::vector<Dir*>* stack) {
  // The names in this directory, sorted bytewise; or, for a directory on the way to a path
  // backed up, only the chosen ones.
  std::vector<std::string> names;
  // Entries are reached relative to the directory's descriptor: no path length limit, and
  // no lookup of the whole path for each.
  int fd = -1;
  if (dir->path == "/") {
    fd = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else if (auto at = snap::PathAt::Of(dir->path); at.ok()) {
    fd = ::openat(at->dir(), at->name(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  } else {
    errno = ENAMETOOLONG;
  }
  DIR* d = fd < 0 ? nullptr : ::fdopendir(::dup(fd));
  if (d == nullptr) {
    // Kept with its own metadata and no entries (restore recreates it), and counted as an
    // error: the backup's exit code says that something could not be read.
    Warn(dir->path, ErrnoStatus(errno, "listing", dir->path));
  } else if (!dir->whole) {
    for (const auto& [name, child] : dir->chosen) names.push_back(name);
  } else {
    while (struct dirent* e = ::readdir(d)) {
      const std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    std::sort(names.begin(), names.end());
  }
  if (d != nullptr) ::closedir(d);
  dir->entries.resize(names.size());
  dir->dropped.assign(names.size(), 0);
  dir->pending += names.size();
  for (size_t i = 0; i < names.size() && !failed(); ++i) {
    dir->entries[i].name = names[i];
    Entry(dir, i, fd, stack);
  }
  if (fd >= 0) ::close(fd);
  Done(dir);  // the +1 of expansion
}

void Archiver::Entry(Dir* dir, size_t slot, int dirfd, std::vector<Dir*>* stack) {
  TreeEntry& e = dir->entries[slot];
  const std::string path = Join(dir->path, e.name);
  struct stat st;
  if (::fstatat(dirfd, e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    Warn(path, ErrnoStatus(errno, "stat of", path));
    dir->dropped[slot] = 1;
    return Done(dir);
  }
  if ((dir->whole && !Admit(dir, dirfd, path, st)) || !snap::EntryFromStat(st, &names_, &e)) {
    dir->dropped[slot] = 1;
    return Done(dir);
  }
  // Reading a file or listing a directory changes its access time: kept, it would make
  // every tree new in every backup.
  if (!o_.with_atime) e.atime = {};
  const std::string xattr_path = path.size() < snap::kDirectPathLimit
                                     ? path
                                     : fmt::format("/proc/self/fd/{}/{}", dirfd, e.name);
  if (Status x = snap::ReadXattrs(xattr_path, &e); !x.ok()) Warn(path, x);
  const TreeEntry* old = dir->old ? dir->old->Find(e.name) : nullptr;
  switch (e.type) {
    case EntryType::kDirectory: {
      std::unique_ptr<Dir> child;
      if (!dir->whole) {
        child = std::move(dir->chosen[e.name]);
      } else {
        child = std::make_unique<Dir>();
        child->path = path;
      }
      child->parent = dir;
      child->slot = slot;
      if (old != nullptr && old->subtree) {
        auto tree = ReadTree(basin_, *old->subtree);
        if (tree.ok()) child->old = std::move(tree).value();
      }
      stack->push_back(child.release());  // owned by the walk until finished
      return;                             // Done when its tree is written
    }
    case EntryType::kFile: {
      ++files_done_;
      if (old != nullptr && SameFile(e, *old)) {
        e.content = old->content;
        e.content_list = old->content_list;
        ++files_unchanged_;
        bytes_done_ += e.size;
        return Done(dir);
      }
      const bool changed = old != nullptr;
      Status s = files_.Run([this, dir, slot, path, changed](size_t) {
        ReadFile(dir, slot, path, changed);
        return Status::OK();
      });
      if (!s.ok()) Fail(s);
      return;
    }
    case EntryType::kSymlink: {
      std::string target(static_cast<size_t>(std::max<off_t>(st.st_size, 0)) + 1, '\0');
      const ssize_t n = ::readlinkat(dirfd, e.name.c_str(), target.data(), target.size());
      if (n < 0) {
        Warn(path, ErrnoStatus(errno, "reading the link", path));
        dir->dropped[slot] = 1;
      } else {
        target.resize(static_cast<size_t>(n));
        e.symlink_target = std::move(target);
      }
      return Done(dir);
    }
    default:
      return Done(dir);
  }
}

Status Archiver::PutChunk(std::string_view chunk, std::vector<ContentPiece>* pieces) {
  GrainId id;
  if (writer_) {
    BASIN_ASSIGN_OR_RETURN(id, writer_->Put(GrainType::kChunk, chunk));
  } else {
    id = basin_.IdOf(chunk);
  }
  pieces->push_back(ContentPiece{id, chunk.size()});
  return Status::OK();
}

// Reads a file's data (its data extents only, when it has holes), chunking as it goes.
Status Archiver::ReadContent(int fd, const struct stat& st, bool stream, TreeEntry* e,
                             int* read_errno) {
  const ChunkerParams& params = basin_.settings().chunker;
  const bool sparse = !stream && st.st_blocks * 512 < st.st_size;
  ReadWindow window(params.max_size + kReadBuffer);
  off_t pos = 0;
  while (true) {
    off_t data_start = pos, data_end = st.st_size;
    if (sparse) {
      data_start = ::lseek(fd, pos, SEEK_DATA);
      if (data_start < 0) data_start = st.st_size;  // ENXIO: only a hole is left
      data_end = ::lseek(fd, data_start, SEEK_HOLE);
      if (data_end < 0) data_end = st.st_size;
      if (data_start > pos) {
        e->content.push_back(ContentPiece{GrainId{}, static_cast<uint64_t>(data_start - pos)});
        // A hole counts as processed, as an unchanged file's whole size does.
        bytes_done_ += static_cast<uint64_t>(data_start - pos);
      }
    }
    if (data_start >= st.st_size) break;
    // The extent [data_start, data_end), chunked; the window keeps a largest chunk ahead.
    off_t at = data_start;
    bool eof = false;
    while (true) {
      while (!eof && window.size() < params.max_size) {
        const std::span<char> room = window.Room();
        const size_t want = static_cast<size_t>(std::min<off_t>(room.size(), data_end - at));
        if (want == 0) {
          eof = true;
          break;
        }
        const ssize_t n =
            stream ? ::read(fd, room.data(), want) : ::pread(fd, room.data(), want, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          *read_errno = errno;
          return Status::OK();
        }
        if (n == 0) eof = true;  // the file shrank, or the stream ended
        window.Commit(static_cast<size_t>(n));
        at += n;
        bytes_read_ += static_cast<uint64_t>(n);
        bytes_done_ += static_cast<uint64_t>(n);
      }
      if (window.size() == 0) break;
      while (window.size() > 0 && (eof || window.size() >= params.max_size)) {
        const size_t n = chunker_.Cut(window.data());
        BASIN_RETURN_IF_ERROR(PutChunk(window.data().substr(0, n), &e->content));
        window.Consume(n);
      }
    }
    pos = at;
    if (!sparse || at >= st.st_size) break;
  }
  uint64_t total = 0;
  for (const auto& p : e->content) total += p.size;
  e->size = total;
  return Status::OK();
}

void Archiver::ReadFile(Dir* dir, size_t slot, const std::string& path, bool changed) {
  TreeEntry& e = dir->entries[slot];
  if (failed()) return Done(dir);
  {
    std::lock_guard lock(current_mu_);
    current_ = path;
  }
  int fd = -1;
  if (auto at = snap::PathAt::Of(path); at.ok()) {
    fd = ::openat(at->dir(), at->name(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) {
      fd = ::openat(at->dir(), at->name(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
  } else {
    errno = ENAMETOOLONG;
  }
  struct stat before;
  if (fd < 0 || ::fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
    Warn(path, ErrnoStatus(fd < 0 ? errno : EINVAL, "opening", path));
    if (fd >= 0) ::close(fd);
    dir->dropped[slot] = 1;
    return Done(dir);
  }
  e.content.clear();
  int read_errno = 0;
  Status s = ReadContent(fd, before, /*stream=*/false, &e, &read_errno);
  struct stat after;
  const bool restat = ::fstat(fd, &after) == 0;
  ::close(fd);
  if (!s.ok()) {
    Fail(s);
    return Done(dir);
  }
  if (read_errno != 0) {
    Warn(path, ErrnoStatus(read_errno, "reading", path));
    dir->dropped[slot] = 1;
    return Done(dir);
  }
  if (!restat || after.st_size != before.st_size || after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
      after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
      after.st_ctim.tv_nsec != before.st_ctim.tv_nsec || e.size != uint64_t(before.st_size)) {
    ++changed_while_read_;
    if (o_.warning) o_.warning(path, Status::IOError("changed while being read (kept as read)"));
  }
  if (e.content.size() > snap::kInlineChunks && writer_) {
    std::vector<std::pair<GrainId, uint64_t>> pieces;
    for (const auto& p : e.content) pieces.emplace_back(p.id, p.size);
    auto list = writer_->PutClastList(pieces);
    if (!list.ok()) {
      Fail(list.status());
      return Done(dir);
    }
    e.content_list = *list;
    e.content.clear();
  }
  ++(changed ? files_changed_ : files_new_);
  Done(dir);
}

void Archiver::Done(Dir* dir) {
  if (--dir->pending == 0) FinishDir(dir);
}

void Archiver::FinishDir(Dir* dir) {
  Tree tree;
  for (size_t i = 0; i < dir->entries.size(); ++i) {
    if (!dir->dropped[i]) tree.entries.push_back(std::move(dir->entries[i]));
  }
  GrainId id;
  if (!failed()) {
    const std::string bytes = snap::EncodeTree(tree);
    if (writer_) {
      auto put = writer_->Put(GrainType::kTree, bytes);
      if (put.ok()) {
        id = *put;
      } else {
        Fail(put.status());
      }
    } else {
      id = basin_.IdOf(bytes);
    }
  }
  Dir* parent = dir->parent;
  if (parent == nullptr) {
    std::lock_guard lock(mu_);
    root_id_ = id;
    return;  // the root is owned by root_
  }
  TreeEntry& mine = parent->entries[dir->slot];
  const TreeEntry* old = parent->old ? parent->old->Find(mine.name) : nullptr;
  if (old == nullptr || !old->subtree) {
    ++dirs_new_;
  } else if (*old->subtree == id) {
    ++dirs_unchanged_;
  } else {
    ++dirs_changed_;
  }
  mine.subtree = id;
  delete dir;
  Done(parent);
}

// Counts what there is to back up, for progress totals.
void Archiver::Scan() {
  std::vector<std::string> todo(paths_.begin(), paths_.end());
  while (!todo.empty() && !finished_) {
    const std::string path = todo.back();
    todo.pop_back();
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISREG(st.st_mode)) {
      ++files_total_;
      bytes_total_ += static_cast<uint64_t>(st.st_size);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) continue;
    while (struct dirent* e = ::readdir(d)) {
      const std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      const std::string child = Join(path, n);
      bool excluded = false;
      for (const auto& p : o_.excludes) excluded = excluded || snap::GlobMatch(p, child);
      if (!excluded) todo.push_back(child);
    }
    ::closedir(d);
  }
  scan_done_ = true;
}

void Archiver::Report() {
  Progress p;
  p.files_done = files_done_;
  p.bytes_done = bytes_done_;
  p.files_total = files_total_;
  p.bytes_total = bytes_total_;
  p.totals_final = scan_done_;
  p.errors = errors_;
  {
    std::lock_guard lock(current_mu_);
    p.current = current_;
  }
  o_.progress(p);
}

// Commits what is uploaded every checkpoint interval, until the backup ends.
void Archiver::CheckpointLoop() {
  std::unique_lock lock(stop_mu_);
  while (!finished_) {
    stop_cv_.wait_for(lock, o_.checkpoint_interval, [&] { return finished_.load(); });
    if (finished_) break;
    lock.unlock();
    if (Status s = writer_->Commit().status(); !s.ok()) Fail(s);
    lock.lock();
  }
}

Result<BackupResult> Archiver::Run() {
  const int64_t start = NowNs();
  BASIN_RETURN_IF_ERROR(Prepare());
  BASIN_RETURN_IF_ERROR(BuildRoots());
  std::thread scanner, reporter, checkpointer;
  if (o_.progress && !o_.from_stdin) scanner = std::thread([this] { Scan(); });
  if (o_.progress) {
    reporter = std::thread([this] {
      std::unique_lock lock(stop_mu_);
      while (!finished_) {
        stop_cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return finished_.load(); });
        lock.unlock();
        Report();
        lock.lock();
      }
    });
  }
  if (writer_ && o_.checkpoint_interval.count() > 0) {
    checkpointer = std::thread([this] { CheckpointLoop(); });
  }
  if (o_.from_stdin) {
    // One file, from standard input, in the root.
    TreeEntry e;
    e.name = o_.stdin_filename;
    e.type = EntryType::kFile;
    e.mode = 0644;
    e.uid = ::getuid();
    e.gid = ::getgid();
    const int64_t now = NowNs();
    e.mtime = e.ctime = e.atime = {now / 1'000'000'000, static_cast<uint32_t>(now % 1'000'000'000)};
    struct stat st {};
    st.st_size = std::numeric_limits<off_t>::max();
    int read_errno = 0;
    Status s = ReadContent(0, st, /*stream=*/true, &e, &read_errno);
    if (!s.ok()) Fail(s);
    if (read_errno != 0) Fail(ErrnoStatus(read_errno, "reading", "standard input"));
    root_->entries.push_back(std::move(e));
    root_->dropped.assign(1, 0);
    ++files_new_;
    FinishDir(root_.get());
  } else {
    std::vector<Dir*> stack;
    Expand(root_.get(), &stack);
    while (!stack.empty() && !failed()) {
      Dir* d = stack.back();
      stack.pop_back();
      const size_t before = stack.size();
      Expand(d, &stack);
      std::reverse(stack.begin() + before, stack.end());  // depth first, in name order
    }
    for (Dir* d : stack) delete d;  // left when failing
    if (Status s = files_.Wait(); !s.ok()) Fail(s);
  }
  {
    std::lock_guard lock(stop_mu_);
    finished_ = true;
  }
  stop_cv_.notify_all();
  if (scanner.joinable()) scanner.join();
  if (reporter.joinable()) reporter.join();
  if (checkpointer.joinable()) checkpointer.join();
  {
    std::lock_guard lock(mu_);
    BASIN_RETURN_IF_ERROR(status_);
    if (!root_id_) return Status::IOError("the backup ended without a root tree");
  }
  BackupResult result;
  Snapshot& s = result.snapshot;
  s.root = *root_id_;
  s.time_ns = start;
  s.host = o_.host.empty() ? HostName() : o_.host;
  s.user = UserName();
  s.paths = o_.from_stdin ? std::vector<std::string>{"/" + o_.stdin_filename} : paths_;
  s.tags = o_.tags;
  if (parent_) s.parent = parent_->id;
  s.program = "basin " BASIN_VERSION_STRING;
  SnapshotSummary& m = s.summary;
  m.files_new = files_new_;
  m.files_changed = files_changed_;
  m.files_unchanged = files_unchanged_;
  m.dirs_new = dirs_new_;
  m.dirs_changed = dirs_changed_;
  m.dirs_unchanged = dirs_unchanged_;
  m.bytes_read = bytes_read_;
  m.errors = errors_;
  m.total_files = files_new_ + files_changed_ + files_unchanged_;  // in the snapshot
  m.total_bytes = bytes_done_;
  if (writer_) {
    const WriterStats ws = writer_->stats();
    m.bytes_added = ws.bytes_new;
    m.bytes_stored = ws.bytes_stored;
  }
  m.duration_ns = static_cast<uint64_t>(NowNs() - start);
  const std::string bytes = snap::EncodeSnapshot(s);
  if (writer_) {
    BASIN_ASSIGN_OR_RETURN(s.id, writer_->Put(GrainType::kSnapshot, bytes));
    BASIN_RETURN_IF_ERROR(writer_->AddSnapshot(s.id, snap::EncodeJournalSummary(s)));
    BASIN_RETURN_IF_ERROR(writer_->Commit().status());
  } else {
    s.id = basin_.IdOf(bytes);
  }
  result.errors = errors_;
  result.changed_while_read = changed_while_read_;
  if (writer_) {
    result.strata_adopted = writer_->stats().strata_adopted;
    result.grains_adopted = writer_->stats().grains_adopted;
  }
  return result;
}

}  // namespace

Result<BackupResult> Backup(Basin& basin, const BackupOptions& options) {
  if (options.from_stdin) {
    const std::string& n = options.stdin_filename;
    if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos ||
        n.find('\0') != std::string::npos) {
      return Status::InvalidArgument(fmt::format(
          "'{}' cannot be a file name in a snapshot (no '/', not empty, '.' or '..')", n));
    }
  } else {
    for (const std::string& p : options.paths) {
      struct stat st;
      if (::lstat(p.c_str(), &st) != 0 && errno == ENOENT) {
        return Status::NotFound(fmt::format("{} does not exist: nothing was backed up", p));
      }
    }
  }
  Archiver a(basin, options);
  return a.Run();
}

}  // namespace basin
