// Restore (include/basin/backup.h): the tree is walked on the calling thread, which creates
// directories, links and special files; files are written by tasks on the executor, each
// under a temporary name in its directory, renamed into place once whole. Hard links, and
// then directory metadata (deepest first, so that setting a directory's times is the last
// change inside it), come after every file is in place. What is already in the target
// (conflicts, a killed restore's temporary files) is dealt with in restore_target.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "basin/backup.h"
#include "snapshot/fs_meta.h"
#include "snapshot/fs_path.h"
#include "snapshot/restore_target.h"
#include "snapshot/restore_verify.h"
#include "util/task_group.h"

namespace basin {
namespace {

using snap::ErrnoStatus;

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() || dir.back() == '/' ? dir + std::string(name) : dir + "/" + std::string(name);
}

timespec ToTimespec(const Timespec& t) {
  timespec ts;
  ts.tv_sec = t.sec;
  ts.tv_nsec = t.nsec;
  return ts;
}

class Restorer {
 public:
  Restorer(Basin& basin, const RestoreOptions& o)
      : basin_(basin),
        o_(o),
        files_(o.parallelism > 0 ? o.parallelism
                                 : std::max<size_t>(4, 2 * std::thread::hardware_concurrency()),
               32),
        root_(::geteuid() == 0) {}

  Result<RestoreResult> Run(const Snapshot& snapshot);

 private:
  struct PendingDir {
    std::string path;
    TreeEntry entry;
    bool blocked = false;  // a leading directory a conflict left out
  };

  bool Excluded(const std::string& snapshot_path) const;
  bool Included(const std::string& snapshot_path) const;
  // Creates the directory `target` for `e`, or takes the one there (and removes the stale
  // temporary files in it). False when a conflict leaves it out (warned, counted).
  Result<bool> MakeDir(const TreeEntry& e, const std::string& target);
  // Creates the directories that lead to an included entry, outermost first. False when
  // one of them is left out by a conflict.
  Result<bool> MakeLeadingDirs();
  Status Walk(const TreeEntry& dir, const std::string& snapshot_path, const std::string& target);
  Status RestoreEntry(const TreeEntry& e, const std::string& snapshot_path,
                      const std::string& target);
  Status RestoreFile(const TreeEntry& e, const std::string& target);
  void RestoreOther(const TreeEntry& e, const std::string& target);
  Status WriteFile(const TreeEntry& e, const std::string& target);
  Status WriteContent(int fd, const TreeEntry& e, const std::string& target);
  void LinkHardLinks();
  // Owner, mode, times and xattrs of `path` (fd >= 0: through the descriptor).
  void SetMetadata(const TreeEntry& e, const std::string& path, int fd);
  // Before a non-directory is restored at `target`: false when what is there stays
  // (skipped as --overwrite says, or a conflict: warned and counted).
  bool MakeRoom(const TreeEntry& e, const std::string& target);
  bool Skip(const TreeEntry& e, const struct stat& st) const;
  void RemoveTemps(const std::string& dir, bool follow);
  RestoreResult Counts() const;
  void Warn(const std::string& path, const Status& why) {
    ++result_warnings_;
    if (o_.warning) o_.warning(path, why);
  }
  void Conflict(const std::string& path, const Status& why) {
    ++conflicts_;
    if (o_.warning) o_.warning(path, why);
  }
  void Fail(Status s) {
    std::lock_guard lock(mu_);
    if (status_.ok()) status_ = std::move(s);
  }

  Basin& basin_;
  const RestoreOptions& o_;
  TaskGroup files_;
  const bool root_;
  std::mutex mu_;
  Status status_;
  std::vector<PendingDir> dirs_;
  // With includes: the directories on the way down that no include matches, created only
  // once something below them is restored.
  std::vector<PendingDir> leading_;
  std::map<std::pair<uint64_t, uint64_t>, std::string> links_;  // (device, inode) -> path
  std::vector<std::pair<std::string, std::string>> hardlinks_;  // (existing, new)
  std::atomic<uint64_t> files_done_{0}, dir_count_{0}, others_{0}, bytes_{0}, skipped_{0},
      result_warnings_{0}, verified_{0}, errors_{0}, sockets_{0}, conflicts_{0}, temps_{0};
};

bool Restorer::Excluded(const std::string& path) const {
  for (const auto& p : o_.excludes) {
    if (snap::GlobMatch(p, path)) return true;
  }
  return false;
}

bool Restorer::Included(const std::string& path) const {
  if (o_.includes.empty()) return true;
  for (const auto& p : o_.includes) {
    if (snap::GlobMatch(p, path)) return true;
  }
  return false;
}

Result<bool> Restorer::MakeDir(const TreeEntry& e, const std::string& target) {
  bool existed = false;
  Status s = snap::MakeRestoreDir(target, o_.overwrite != Overwrite::kNever, &existed);
  if (s.IsAlreadyExists()) {
    Conflict(target, s);
    return false;
  }
  BASIN_RETURN_IF_ERROR(s);
  if (existed) RemoveTemps(target, false);
  ++dir_count_;
  dirs_.push_back(PendingDir{target, e});
  return true;
}

Result<bool> Restorer::MakeLeadingDirs() {
  size_t made = 0;
  for (; made < leading_.size() && !leading_[made].blocked; ++made) {
    BASIN_ASSIGN_OR_RETURN(bool ready, MakeDir(leading_[made].entry, leading_[made].path));
    if (!ready) {
      leading_[made].blocked = true;  // warned once; what is below it is left out
      break;
    }
  }
  leading_.erase(leading_.begin(), leading_.begin() + static_cast<ptrdiff_t>(made));
  return leading_.empty();
}

void Restorer::RemoveTemps(const std::string& dir, bool follow) {
  auto removed = snap::RemoveRestoreTemps(dir, follow);
  if (removed.ok()) {
    temps_ += *removed;
  } else {
    Warn(dir, removed.status());
  }
}

bool Restorer::MakeRoom(const TreeEntry& e, const std::string& target) {
  struct stat st;
  auto at = snap::PathAt::Of(target);
  if (!at.ok() || ::fstatat(at->dir(), at->name(), &st, AT_SYMLINK_NOFOLLOW) != 0) return true;
  if (S_ISDIR(st.st_mode)) {
    Status s = snap::RemoveDirInTheWay(target, o_.overwrite != Overwrite::kNever, e.type);
    if (s.ok()) return true;
    Conflict(target, s);
    return false;
  }
  if (!Skip(e, st)) return true;
  ++skipped_;
  return false;
}

bool Restorer::Skip(const TreeEntry& e, const struct stat& st) const {
  switch (o_.overwrite) {
    case Overwrite::kAlways:
      return false;
    case Overwrite::kNever:
      return true;
    case Overwrite::kIfChanged:
      return S_ISREG(st.st_mode) && e.type == EntryType::kFile &&
             static_cast<uint64_t>(st.st_size) == e.size && st.st_mtim.tv_sec == e.mtime.sec &&
             static_cast<uint32_t>(st.st_mtim.tv_nsec) == e.mtime.nsec;
  }
  return false;
}

void Restorer::SetMetadata(const TreeEntry& e, const std::string& path, int fd) {
  const bool link = e.type == EntryType::kSymlink;
  auto at = snap::PathAt::Of(path);
  if (!at.ok()) {
    Warn(path, at.status());
    return;
  }
  const std::string short_path = at->ShortPath();
  if (root_) {
    const int rc = fd >= 0 ? ::fchown(fd, e.uid, e.gid)
                           : ::fchownat(at->dir(), at->name(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW);
    if (rc != 0) Warn(path, ErrnoStatus(errno, "setting the owner of", path));
  }
  for (const auto& [name, value] : e.xattrs) {
    const int rc =
        fd >= 0 ? ::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0)
                : ::lsetxattr(short_path.c_str(), name.c_str(), value.data(), value.size(), 0);
    if (rc != 0 && errno != ENOTSUP && (root_ || name.rfind("user.", 0) == 0)) {
      Warn(path, ErrnoStatus(errno, "setting extended attribute " + name + " of", path));
    }
  }
  if (!link) {
    // After chown: it clears setuid and setgid.
    const int rc = fd >= 0 ? ::fchmod(fd, e.mode) : ::fchmodat(at->dir(), at->name(), e.mode, 0);
    if (rc != 0) Warn(path, ErrnoStatus(errno, "setting the mode of", path));
  }
  // A snapshot taken without access times has them zero: the file gets its mtime.
  const bool no_atime = e.atime == Timespec{};
  const timespec times[2] = {ToTimespec(no_atime ? e.mtime : e.atime), ToTimespec(e.mtime)};
  const int rc = fd >= 0 ? ::futimens(fd, times)
                         : ::utimensat(at->dir(), at->name(), times, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) Warn(path, ErrnoStatus(errno, "setting the times of", path));
}

// Every error names `target` once.
Status Restorer::WriteContent(int fd, const TreeEntry& e, const std::string& target) {
  Status write_failed;
  Status s = ReadFileContent(basin_, e, [&](uint64_t offset, std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n =
          ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return write_failed = ErrnoStatus(n < 0 ? errno : ENOSPC, "writing", target);
      done += static_cast<size_t>(n);
    }
    bytes_ += data.size();
    return Status::OK();
  });
  if (!s.ok()) return write_failed.ok() ? s.WithContext("restoring '" + target + "'") : s;
  // Holes at the end, and the size: ftruncate keeps them holes.
  if (::ftruncate(fd, static_cast<off_t>(e.size)) != 0) {
    return ErrnoStatus(errno, "setting the size of", target);
  }
  return Status::OK();
}

Status Restorer::WriteFile(const TreeEntry& e, const std::string& target) {
  BASIN_ASSIGN_OR_RETURN(snap::PathAt at, snap::PathAt::Of(target));
  const std::string temp = at.Sibling(snap::RestoreTempName());
  const int fd = ::openat(at.dir(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "creating a temporary file for", target);
  Status s = WriteContent(fd, e, target);
  if (s.ok()) SetMetadata(e, target, fd);
  // No fsync per file (as cp and tar): a restore that a crash interrupts is run again.
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus(errno, "closing", target);
  if (s.ok() && ::renameat(at.dir(), temp.c_str(), at.dir(), at.name()) != 0) {
    s = ErrnoStatus(errno, "renaming into place", target);
  }
  if (!s.ok()) {
    ::unlinkat(at.dir(), temp.c_str(), 0);
    return s;  // names target
  }
  ++files_done_;
  if (o_.verify) {
    BASIN_RETURN_IF_ERROR(snap::VerifyRestoredFile(basin_, e, target));
    ++verified_;
  }
  return Status::OK();
}

Status Restorer::RestoreEntry(const TreeEntry& e, const std::string& snapshot_path,
                              const std::string& target) {
  if (Excluded(snapshot_path)) return Status::OK();
  const bool included = Included(snapshot_path);
  if (e.type == EntryType::kDirectory && !included) {
    // What is below may match: the directory is made only if something below is restored.
    leading_.push_back(PendingDir{target, e});
    Status s = Walk(e, snapshot_path, target);
    if (!leading_.empty() && leading_.back().path == target) leading_.pop_back();
    return s;
  }
  if (!included) return Status::OK();
  if (e.type == EntryType::kSocket) {
    // A socket is its server's to create (tar and restic leave them out too): named, counted.
    ++sockets_;
    if (o_.warning) {
      o_.warning(target, Status::NotSupported("a socket is not restored (its server creates it)"));
    }
    return Status::OK();
  }
  BASIN_ASSIGN_OR_RETURN(bool leading_made, MakeLeadingDirs());
  if (!leading_made) return Status::OK();  // a conflict above it (warned)
  if (e.type == EntryType::kDirectory) {
    BASIN_ASSIGN_OR_RETURN(bool made, MakeDir(e, target));
    return made ? Walk(e, snapshot_path, target) : Status::OK();
  }
  if (!MakeRoom(e, target)) return Status::OK();
  if (e.type == EntryType::kFile) return RestoreFile(e, target);
  RestoreOther(e, target);
  return Status::OK();
}

Status Restorer::RestoreFile(const TreeEntry& e, const std::string& target) {
  if (e.links > 1) {
    const auto key = std::make_pair(e.device, e.inode);
    auto [it, first] = links_.try_emplace(key, target);
    if (!first) {
      hardlinks_.emplace_back(it->second, target);
      return Status::OK();
    }
  }
  auto entry = std::make_shared<TreeEntry>(e);
  return files_.Run([this, entry, target](size_t) {
    Status s = WriteFile(*entry, target);
    if (!s.ok() && !s.IsCorruption() && !s.IsNotFound()) {
      Warn(target, s);
      ++errors_;
      return Status::OK();
    }
    return s;  // damaged or missing data stops the restore
  });
}

// Symlinks, FIFOs and device files: a non-directory at `target` is replaced.
void Restorer::RestoreOther(const TreeEntry& e, const std::string& target) {
  const bool link = e.type == EntryType::kSymlink;
  if (!link && e.type != EntryType::kFifo && !root_) {
    Warn(target, Status::PermissionDenied("device files are restored only by root"));
    return;
  }
  auto at = snap::PathAt::Of(target);
  if (!at.ok()) {
    Warn(target, at.status());
    return;
  }
  ::unlinkat(at->dir(), at->name(), 0);
  const int rc = link ? ::symlinkat(e.symlink_target.c_str(), at->dir(), at->name())
                      : ::mknodat(at->dir(), at->name(), snap::TypeBits(e.type) | 0600,
                                  static_cast<dev_t>(e.rdev));
  if (rc != 0) {
    Warn(target, ErrnoStatus(errno, link ? "creating symlink" : "creating", target));
    return;
  }
  ++others_;
  SetMetadata(e, target, -1);
}

Status Restorer::Walk(const TreeEntry& dir, const std::string& snapshot_path,
                      const std::string& target) {
  BASIN_ASSIGN_OR_RETURN(Tree tree, ReadTree(basin_, *dir.subtree));
  for (const TreeEntry& e : tree.entries) {
    BASIN_RETURN_IF_ERROR(RestoreEntry(e, Join(snapshot_path, e.name), Join(target, e.name)));
    {
      std::lock_guard lock(mu_);
      BASIN_RETURN_IF_ERROR(status_);
    }
    if (o_.progress) {
      Progress p;
      p.files_done = files_done_;
      p.bytes_done = bytes_;
      p.current = snapshot_path;
      o_.progress(p);
    }
  }
  return Status::OK();
}

Result<RestoreResult> Restorer::Run(const Snapshot& snapshot) {
  if (o_.target.empty()) return Status::InvalidArgument("restore needs a target directory");
  BASIN_ASSIGN_OR_RETURN(TreeEntry top, FindPath(basin_, snapshot.root, o_.path));
  if (::mkdir(o_.target.c_str(), 0700) != 0) {
    if (errno != EEXIST) return ErrnoStatus(errno, "creating the target", o_.target);
    struct stat st;
    if (::stat(o_.target.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(
          fmt::format("the target '{}' exists and is not a directory", o_.target));
    }
    RemoveTemps(o_.target, true);  // the target the user named may be a symlink
  }
  const std::string base = o_.path == "/" ? "" : o_.path;
  Status walked;
  if (top.type == EntryType::kDirectory) {
    walked = Walk(top, base.empty() ? "/" : base, o_.target);
    if (o_.path != "/") dirs_.push_back(PendingDir{o_.target, top});
  } else {
    walked = RestoreEntry(top, base, Join(o_.target, top.name));
  }
  Status waited = files_.Wait();
  BASIN_RETURN_IF_ERROR(walked);
  BASIN_RETURN_IF_ERROR(waited);
  {
    std::lock_guard lock(mu_);
    BASIN_RETURN_IF_ERROR(status_);
  }
  LinkHardLinks();
  // Deepest first: a directory's times are set after everything inside it.
  std::sort(dirs_.begin(), dirs_.end(),
            [](const PendingDir& a, const PendingDir& b) { return a.path > b.path; });
  for (const PendingDir& d : dirs_) SetMetadata(d.entry, d.path, -1);
  return Counts();
}

void Restorer::LinkHardLinks() {
  for (const auto& [existing, path] : hardlinks_) {
    auto from = snap::PathAt::Of(existing);
    auto to = snap::PathAt::Of(path);
    if (!from.ok() || !to.ok()) {
      Warn(path, from.ok() ? to.status() : from.status());
      continue;
    }
    ::unlinkat(to->dir(), to->name(), 0);
    if (::linkat(from->dir(), from->name(), to->dir(), to->name(), 0) != 0) {
      Warn(path, ErrnoStatus(errno, "creating hard link", path));
    } else {
      ++files_done_;
    }
  }
}

RestoreResult Restorer::Counts() const {
  RestoreResult r;
  r.files = files_done_;
  r.dirs = dir_count_;
  r.others = others_;
  r.bytes = bytes_;
  r.skipped = skipped_;
  r.warnings = result_warnings_;
  r.errors = errors_;
  r.verified = verified_;
  r.sockets_skipped = sockets_;
  r.conflicts = conflicts_;
  r.temps_removed = temps_;
  return r;
}

}  // namespace

Result<RestoreResult> Restore(Basin& basin, const Snapshot& snapshot,
                              const RestoreOptions& options) {
  Restorer r(basin, options);
  return r.Run(snapshot);
}

}  // namespace basin
