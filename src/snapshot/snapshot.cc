// Reading snapshots and trees back (include/basin/snapshot.h).
#include "basin/snapshot.h"

#include <fmt/format.h>

#include <algorithm>

#include "snapshot/tree_codec.h"

namespace basin {

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return "file";
    case EntryType::kDirectory:
      return "dir";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kFifo:
      return "fifo";
    case EntryType::kSocket:
      return "socket";
    case EntryType::kCharDevice:
      return "chardev";
    case EntryType::kBlockDevice:
      return "blockdev";
  }
  return "unknown";
}

const TreeEntry* Tree::Find(std::string_view name) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), name,
                             [](const TreeEntry& e, std::string_view n) { return e.name < n; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

Result<std::vector<Snapshot>> ListSnapshots(Basin& basin) {
  std::vector<Snapshot> out;
  for (const SnapshotEntry& e : basin.Snapshots()) {
    auto s = snap::DecodeJournalSummary(e.summary, "snapshot " + e.id.ToHex());
    if (!s.ok()) return s.status();
    s->id = e.id;
    out.push_back(std::move(s).value());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time_ns < b.time_ns; });
  return out;
}

Result<Snapshot> ReadSnapshot(Basin& basin, const GrainId& id) {
  std::string data;
  GrainType type;
  BASIN_RETURN_IF_ERROR(basin.Get(id, &data, &type));
  if (type != GrainType::kSnapshot) {
    return Status::InvalidArgument(fmt::format("{} is not a snapshot", id.ToHex()));
  }
  BASIN_ASSIGN_OR_RETURN(Snapshot s, snap::DecodeSnapshot(data, "snapshot " + id.ToHex()));
  s.id = id;
  return s;
}

Result<Snapshot> FindSnapshot(Basin& basin, std::string_view ref, std::string_view host) {
  BASIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(basin));
  const Snapshot* found = nullptr;
  if (ref == "latest") {
    for (const Snapshot& s : all) {
      if (host.empty() || s.host == host) found = &s;  // oldest first: the last one wins
    }
    if (found == nullptr) {
      return Status::NotFound(host.empty() ? std::string("the basin holds no snapshot")
                                           : fmt::format("no snapshot of host '{}'", host));
    }
  } else {
    if (ref.size() < 4 || ref.size() > 64 ||
        ref.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      return Status::InvalidArgument(fmt::format(
          "'{}' names no snapshot: give 'latest' or at least 4 hex digits of an id", ref));
    }
    for (const Snapshot& s : all) {
      if (s.id.ToHex().starts_with(ref)) {
        if (found != nullptr) {
          return Status::InvalidArgument(
              fmt::format("'{}' is the start of several snapshot ids: give more digits", ref));
        }
        found = &s;
      }
    }
    if (found == nullptr) return Status::NotFound(fmt::format("no snapshot '{}'", ref));
  }
  return ReadSnapshot(basin, found->id);
}

Result<Tree> ReadTree(Basin& basin, const GrainId& id) {
  std::string data;
  GrainType type;
  BASIN_RETURN_IF_ERROR(basin.Get(id, &data, &type));
  if (type != GrainType::kTree) {
    return Status::Corruption(fmt::format("{} is not a tree", id.ToHex()));
  }
  return snap::DecodeTree(data, "tree " + id.ToHex());
}

Result<TreeEntry> FindPath(Basin& basin, const GrainId& root, std::string_view path) {
  TreeEntry current;
  current.type = EntryType::kDirectory;
  current.subtree = root;
  current.mode = 0755;
  size_t pos = 0;
  while (pos < path.size()) {
    while (pos < path.size() && path[pos] == '/') ++pos;
    if (pos == path.size()) break;
    const size_t end = std::min(path.find('/', pos), path.size());
    const std::string_view name = path.substr(pos, end - pos);
    pos = end;
    if (current.type != EntryType::kDirectory) {
      return Status::NotFound(fmt::format("'{}' is not a directory", path.substr(0, end)));
    }
    BASIN_ASSIGN_OR_RETURN(Tree tree, ReadTree(basin, *current.subtree));
    const TreeEntry* e = tree.Find(name);
    if (e == nullptr) return Status::NotFound(fmt::format("no '{}' in the snapshot", path));
    current = *e;
  }
  return current;
}

Status ReadFileContent(Basin& basin, const TreeEntry& e,
                       const std::function<Status(uint64_t offset, std::string_view data)>& fn) {
  std::vector<ContentPiece> listed;
  if (e.content_list) {
    BASIN_ASSIGN_OR_RETURN(auto list, basin.ReadClastList(*e.content_list));
    listed.reserve(list.size());
    for (const auto& [id, size] : list) listed.push_back(ContentPiece{id, size});
  }
  const std::vector<ContentPiece>& pieces = e.content_list ? listed : e.content;
  uint64_t total = 0;
  for (const ContentPiece& p : pieces) total += p.size;
  if (total != e.size) {
    return Status::Corruption(
        fmt::format("'{}': its pieces hold {} bytes, its entry says {}", e.name, total, e.size));
  }
  uint64_t offset = 0;
  std::string data;
  for (const ContentPiece& p : pieces) {
    if (!p.hole()) {
      BASIN_RETURN_IF_ERROR(basin.Get(p.id, &data));
      if (data.size() != p.size) {
        return Status::Corruption(fmt::format("chunk {} holds {} bytes, file '{}' says {}",
                                              p.id.ToHex(), data.size(), e.name, p.size));
      }
      BASIN_RETURN_IF_ERROR(fn(offset, data));
    }
    offset += p.size;
  }
  return Status::OK();
}

Status SnapshotReferences(GrainType type, std::string_view data, std::vector<GrainId>* refs) {
  if (type == GrainType::kTree) {
    BASIN_ASSIGN_OR_RETURN(Tree tree, snap::DecodeTree(data, "tree"));
    for (const TreeEntry& e : tree.entries) snap::EntryReferences(e, refs);
  } else if (type == GrainType::kSnapshot) {
    BASIN_ASSIGN_OR_RETURN(Snapshot s, snap::DecodeSnapshot(data, "snapshot"));
    refs->push_back(s.root);
  }
  return Status::OK();
}

}  // namespace basin
