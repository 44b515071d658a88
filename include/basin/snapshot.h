// Snapshots of directory trees in a basin (docs/format/snapshots.md): what a tree entry and
// a snapshot hold, and reading them back.
#ifndef BASIN_SNAPSHOT_H_
#define BASIN_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basin/basin.h"

namespace basin {

// A time to the nanosecond (seconds since 1970, may be negative).
struct Timespec {
  int64_t sec = 0;
  uint32_t nsec = 0;
  auto operator<=>(const Timespec&) const = default;
};

enum class EntryType : uint8_t {
  kFile = 1,
  kDirectory = 2,
  kSymlink = 3,
  kFifo = 4,
  kSocket = 5,
  kCharDevice = 6,
  kBlockDevice = 7,
};
std::string_view EntryTypeName(EntryType type);  // "file", "dir", ...

// A piece of a file: a chunk grain, or a hole (all-zero id) of `size` bytes.
struct ContentPiece {
  GrainId id;
  uint64_t size = 0;
  bool hole() const { return id == GrainId{}; }
};

// One entry of a directory (docs/format/snapshots.md, "Trees").
struct TreeEntry {
  std::string name;  // raw bytes: anything but NUL and '/'
  EntryType type = EntryType::kFile;
  uint32_t mode = 0;  // st_mode & 07777
  uint32_t uid = 0, gid = 0;
  std::string user, group;  // names, when known
  Timespec mtime, ctime, atime;
  uint64_t size = 0;
  uint64_t device = 0, inode = 0, links = 1;
  std::vector<std::pair<std::string, std::string>> xattrs;  // name, value
  std::string symlink_target;
  uint64_t rdev = 0;
  // Files: the content pieces in order, or (for large files) the clast list holding them.
  std::vector<ContentPiece> content;
  std::optional<GrainId> content_list;
  std::optional<GrainId> subtree;  // directories
};

struct Tree {
  std::vector<TreeEntry> entries;  // sorted by name bytes
  // The entry named `name`, or null. REQUIRES: sorted.
  const TreeEntry* Find(std::string_view name) const;
};

// What a backup did, stored in its snapshot.
struct SnapshotSummary {
  uint64_t files_new = 0, files_changed = 0, files_unchanged = 0;
  uint64_t dirs_new = 0, dirs_changed = 0, dirs_unchanged = 0;
  uint64_t bytes_read = 0, bytes_added = 0, bytes_stored = 0;
  uint64_t duration_ns = 0;
  uint64_t total_files = 0, total_bytes = 0;
  uint64_t errors = 0;
};

struct Snapshot {
  GrainId id;  // the snapshot grain's id (not stored in it)
  GrainId root;
  int64_t time_ns = 0;
  std::string host, user;
  std::vector<std::string> paths, tags;
  std::optional<GrainId> parent;
  std::string program;
  SnapshotSummary summary;
};

// The snapshots of a basin, from its journal (no grain read), oldest first. Only `id`,
// time, host, user, paths, tags and summary.total_* are filled.
Result<std::vector<Snapshot>> ListSnapshots(Basin& basin);
// Reads a snapshot grain whole.
Result<Snapshot> ReadSnapshot(Basin& basin, const GrainId& id);
// The snapshot named by `ref`: "latest" (optionally of `host`), or a unique prefix of at
// least 4 hex digits of its id. NotFound / InvalidArgument (ambiguous) otherwise.
Result<Snapshot> FindSnapshot(Basin& basin, std::string_view ref, std::string_view host = {});
// Reads a tree grain.
Result<Tree> ReadTree(Basin& basin, const GrainId& id);
// The entry at `path` (absolute, '/'-separated) below `root`: the root itself for "/".
Result<TreeEntry> FindPath(Basin& basin, const GrainId& root, std::string_view path);

// Reads the content of the file entry `e` in order, one chunk at a time, calling
// fn(offset, data) for each chunk; holes are not passed (the caller sees the gap in the
// offsets, and a hole at the end as offset + size < e.size). Memory: one chunk at a time,
// and for a large file its clast list (40 bytes per chunk). Corruption, before the first
// call, when the pieces do not add up to e.size, and when a chunk holds another size than
// its piece says; NotFound for a missing chunk; fn's error is returned as it is.
Status ReadFileContent(Basin& basin, const TreeEntry& e,
                       const std::function<Status(uint64_t offset, std::string_view data)>& fn);

// The grains a tree or snapshot grain refers to (for CheckOptions::references): a tree's
// files' chunks and clast lists and its subtrees; a snapshot's root tree.
Status SnapshotReferences(GrainType type, std::string_view data, std::vector<GrainId>* refs);

// One difference between two snapshots.
struct DiffEntry {
  char kind = '?';  // '+' added, '-' removed, 'M' content changed, 'T' type changed,
                    // 'U' metadata only (mode, owner, times, xattrs)
  std::string path;
  EntryType type = EntryType::kFile;  // in the newer snapshot ('-': in the older)
};

// Calls fn for every difference between the trees `older` and `newer`, in path order.
// Identical subtrees are skipped by id, so unchanged parts cost nothing.
Status DiffTrees(Basin& basin, const GrainId& older, const GrainId& newer,
                 const std::function<Status(const DiffEntry&)>& fn);

// Calls fn(path, entry) for every entry below `root` (or the tree of the entry at `path`)
// in path order; fn returns false to skip a directory's contents.
Status WalkTree(Basin& basin, const GrainId& root, std::string_view path,
                const std::function<Result<bool>(const std::string&, const TreeEntry&)>& fn);

}  // namespace basin

#endif  // BASIN_SNAPSHOT_H_
