#include "mount/snapshot_fs.h"

#include <unistd.h>

#include <fmt/format.h>

#include "basin/checksum.h"
#include "snapshot/fs_meta.h"

namespace basin::mount {
namespace {

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t end = std::min(path.find('/', pos), path.size());
    if (end > pos) out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string Child(std::string_view dir, std::string_view name) {
  std::string p(dir);
  if (p.empty() || p.back() != '/') p += '/';
  p += name;
  return p;
}

// Inode numbers: 1 is the mount's root; the rest come from a hash, kept clear of 0 and 1.
uint64_t InoOf(std::string_view key) {
  const uint64_t h = Xxh3_64(key);
  return h < 2 ? h + 2 : h;
}

uint64_t PathIno(std::string_view path) { return Components(path).empty() ? 1 : InoOf(path); }

timespec ToTimespec(int64_t ns) {
  timespec t;
  t.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  t.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (t.tv_nsec < 0) {
    t.tv_nsec += 1'000'000'000;
    --t.tv_sec;
  }
  return t;
}

timespec ToTimespec(const Timespec& t) {
  timespec out;
  out.tv_sec = static_cast<time_t>(t.sec);
  out.tv_nsec = static_cast<long>(t.nsec);
  return out;
}

// Bytes a file's data takes: its chunks, not its holes (only known without reading a
// clast list when the pieces sit in the entry).
uint64_t DataBytes(const TreeEntry& e) {
  if (e.content_list) return e.size;
  uint64_t n = 0;
  for (const ContentPiece& p : e.content) n += p.hole() ? 0 : p.size;
  return n;
}

}  // namespace

struct SnapshotFs::Node {
  std::shared_ptr<const MountLayout> layout;  // keeps dir, link_in and snapshot alive
  std::string path;
  const VirtualDir* dir = nullptr;         // a directory of the layout
  const VirtualDir* link_in = nullptr;     // a `latest` symlink
  const Snapshot* snapshot = nullptr;      // inside this snapshot:
  std::shared_ptr<const TreeEntry> entry;  // the entry (null: the snapshot's root)
  GrainId root;                            // the snapshot's root tree
};

SnapshotFs::SnapshotFs(Basin& basin, SnapshotFsOptions options)
    : basin_(basin),
      options_(std::move(options)),
      cache_(basin, options_.chunk_cache_bytes, options_.tree_cache_bytes),
      uid_(::getuid()),
      gid_(::getgid()) {}

std::shared_ptr<const MountLayout> SnapshotFs::layout() const {
  std::lock_guard lock(mu_);
  return layout_;
}

uint64_t SnapshotFs::refreshes() const {
  std::lock_guard lock(refresh_mu_);
  return refreshes_;
}

Status SnapshotFs::Start() {
  BASIN_ASSIGN_OR_RETURN(auto list, ListSnapshots(basin_));
  auto fresh = std::make_shared<const MountLayout>(std::move(list));
  {
    std::lock_guard lock(mu_);
    layout_ = std::move(fresh);
  }
  std::lock_guard lock(refresh_mu_);
  last_refresh_ = std::chrono::steady_clock::now();
  return Status::OK();
}

Status SnapshotFs::Refresh() {
  BASIN_RETURN_IF_ERROR(basin_.Refresh());
  BASIN_ASSIGN_OR_RETURN(auto list, ListSnapshots(basin_));
  const auto current = layout();
  if (current != nullptr && current->snapshots().size() == list.size() &&
      std::equal(list.begin(), list.end(), current->snapshots().begin(),
                 [](const Snapshot& a, const Snapshot& b) { return a.id == b.id; })) {
    return Status::OK();
  }
  auto fresh = std::make_shared<const MountLayout>(std::move(list));
  std::lock_guard lock(mu_);
  layout_ = std::move(fresh);
  return Status::OK();
}

void SnapshotFs::MaybeRefresh() {
  std::lock_guard lock(refresh_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refresh_ < options_.refresh_interval) return;
  last_refresh_ = now;
  ++refreshes_;
  Status s = Refresh();
  if (!s.ok() && options_.warning) options_.warning(s.WithContext("listing new snapshots"));
}

Result<GrainId> SnapshotFs::RootOf(const Snapshot& s) {
  {
    std::lock_guard lock(mu_);
    if (auto it = roots_.find(s.id); it != roots_.end()) return it->second;
  }
  BASIN_ASSIGN_OR_RETURN(Snapshot full, ReadSnapshot(basin_, s.id));
  std::lock_guard lock(mu_);
  roots_[s.id] = full.root;
  return full.root;
}

Result<SnapshotFs::Node> SnapshotFs::Resolve(std::string_view path) {
  const std::vector<std::string_view> names = Components(path);
  Node n;
  n.layout = layout();
  if (n.layout == nullptr) return Status::InvalidArgument("the mount is not started");
  BASIN_ASSIGN_OR_RETURN(MountLayout::Place place, n.layout->Find(names));
  n.path = std::string(path);
  n.dir = place.dir;
  n.link_in = place.link_in;
  n.snapshot = place.snapshot;
  if (n.snapshot == nullptr) return n;
  BASIN_ASSIGN_OR_RETURN(n.root, RootOf(*n.snapshot));
  GrainId tree_id = n.root;
  for (const std::string_view name : place.rest) {
    if (n.entry != nullptr) {
      if (n.entry->type != EntryType::kDirectory || !n.entry->subtree) {
        return Status::NotFound(fmt::format("'{}' is not a directory", n.entry->name));
      }
      tree_id = *n.entry->subtree;
    }
    BASIN_ASSIGN_OR_RETURN(auto tree, cache_.GetTree(tree_id));
    const TreeEntry* e = tree->Find(name);
    if (e == nullptr) return Status::NotFound(fmt::format("no '{}' in the snapshot", name));
    n.entry = std::shared_ptr<const TreeEntry>(tree, e);  // shares the tree's lifetime
  }
  return n;
}

struct stat SnapshotFs::DirAttributes(const VirtualDir& d, uint64_t ino) const {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = S_IFDIR | 0555;
  st.st_nlink = 1;  // "unknown" to find and fts: no count of subdirectories to trust
  st.st_uid = uid_;
  st.st_gid = gid_;
  st.st_mtim = st.st_ctim = st.st_atim = ToTimespec(d.time_ns);
  st.st_blksize = 4096;
  return st;
}

struct stat SnapshotFs::Attributes(const Node& n) const {
  if (n.dir != nullptr) return DirAttributes(*n.dir, PathIno(n.path));
  struct stat st {};
  st.st_ino = PathIno(n.path);
  st.st_uid = uid_;
  st.st_gid = gid_;
  st.st_nlink = 1;
  st.st_blksize = 4096;
  if (n.link_in != nullptr) {
    st.st_mode = S_IFLNK | 0777;
    st.st_size = static_cast<off_t>(n.link_in->latest.size());
    st.st_mtim = st.st_ctim = st.st_atim = ToTimespec(n.link_in->time_ns);
    return st;
  }
  if (n.entry == nullptr) {  // a snapshot's root
    VirtualDir made_up;
    made_up.time_ns = n.snapshot->time_ns;
    return DirAttributes(made_up, st.st_ino);
  }
  const TreeEntry& e = *n.entry;
  if (e.type == EntryType::kFile && e.links > 1) {
    st.st_ino = InoOf(fmt::format("{}:{}:{}", n.snapshot->id.ToHex(), e.device, e.inode));
  }
  st.st_mode = snap::TypeBits(e.type) | (e.mode & 07777);
  st.st_nlink =
      e.type == EntryType::kDirectory ? 1 : static_cast<nlink_t>(std::max<uint64_t>(e.links, 1));
  st.st_uid = e.uid;
  st.st_gid = e.gid;
  st.st_size = static_cast<off_t>(e.type == EntryType::kSymlink ? e.symlink_target.size() : e.size);
  st.st_blocks = static_cast<blkcnt_t>((DataBytes(e) + 511) / 512);
  st.st_rdev = static_cast<dev_t>(e.rdev);
  st.st_mtim = ToTimespec(e.mtime);
  st.st_ctim = ToTimespec(e.ctime);
  // Snapshots taken without access times have them zero: show the mtime.
  st.st_atim = ToTimespec(e.atime == Timespec{} ? e.mtime : e.atime);
  return st;
}

Result<struct stat> SnapshotFs::Stat(std::string_view path) {
  BASIN_ASSIGN_OR_RETURN(Node n, Resolve(path));
  return Attributes(n);
}

Status SnapshotFs::ListLayoutDir(
    const Node& n, const std::function<bool(std::string_view, const struct stat&)>& fn) {
  for (const auto& [name, sub] : n.dir->dirs) {
    if (!fn(name, DirAttributes(*sub, PathIno(Child(n.path, name))))) return Status::OK();
  }
  for (const auto& [name, index] : n.dir->snapshots) {
    Node child;
    child.layout = n.layout;
    child.path = Child(n.path, name);
    child.snapshot = &n.layout->snapshots()[index];
    if (!fn(name, Attributes(child))) return Status::OK();
  }
  if (!n.dir->latest.empty()) {
    Node link;
    link.layout = n.layout;
    link.path = Child(n.path, "latest");
    link.link_in = n.dir;
    fn("latest", Attributes(link));
  }
  return Status::OK();
}

Status SnapshotFs::ListTree(const Node& n,
                            const std::function<bool(std::string_view, const struct stat&)>& fn) {
  if (n.entry != nullptr && (n.entry->type != EntryType::kDirectory || !n.entry->subtree)) {
    return Status::NotFound(fmt::format("'{}' is not a directory", n.path));
  }
  BASIN_ASSIGN_OR_RETURN(auto tree, cache_.GetTree(n.entry ? *n.entry->subtree : n.root));
  Node child;
  child.layout = n.layout;
  child.snapshot = n.snapshot;
  for (const TreeEntry& e : tree->entries) {
    child.path = Child(n.path, e.name);
    child.entry = std::shared_ptr<const TreeEntry>(tree, &e);
    if (!fn(e.name, Attributes(child))) break;
  }
  return Status::OK();
}

Status SnapshotFs::ReadDir(std::string_view path,
                           const std::function<bool(std::string_view, const struct stat&)>& fn) {
  BASIN_ASSIGN_OR_RETURN(Node n, Resolve(path));
  if (n.dir != nullptr) {
    MaybeRefresh();  // then look again: the directory may have changed or gone
    BASIN_ASSIGN_OR_RETURN(n, Resolve(path));
    if (n.dir != nullptr) return ListLayoutDir(n, fn);
  }
  if (n.snapshot == nullptr) return Status::NotFound(fmt::format("'{}' is not a directory", path));
  return ListTree(n, fn);
}

Result<std::string> SnapshotFs::ReadLink(std::string_view path) {
  BASIN_ASSIGN_OR_RETURN(Node n, Resolve(path));
  if (n.link_in != nullptr) return n.link_in->latest;
  if (n.entry != nullptr && n.entry->type == EntryType::kSymlink) return n.entry->symlink_target;
  return Status::InvalidArgument(fmt::format("'{}' is not a symlink", path));
}

Result<std::string> SnapshotFs::GetXattr(std::string_view path, std::string_view name) {
  BASIN_ASSIGN_OR_RETURN(Node n, Resolve(path));
  if (n.entry != nullptr) {
    for (const auto& [key, value] : n.entry->xattrs) {
      if (key == name) return value;
    }
  }
  return Status::NotFound(fmt::format("'{}' has no attribute {}", path, name));
}

Result<std::string> SnapshotFs::ListXattr(std::string_view path) {
  BASIN_ASSIGN_OR_RETURN(Node n, Resolve(path));
  std::string out;
  if (n.entry != nullptr) {
    for (const auto& [key, value] : n.entry->xattrs) {
      out += key;
      out += '\0';
    }
  }
  return out;
}

Result<std::unique_ptr<FileReader>> SnapshotFs::Open(std::string_view path) {
  BASIN_ASSIGN_OR_RETURN(Node n, Resolve(path));
  if (n.entry == nullptr || n.entry->type != EntryType::kFile) {
    return Status::InvalidArgument(fmt::format("'{}' is not a regular file", path));
  }
  return FileReader::Open(basin_, cache_, *n.entry);
}

}  // namespace basin::mount
