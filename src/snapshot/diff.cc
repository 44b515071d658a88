// Comparing and walking trees (include/basin/snapshot.h).
#include <fmt/format.h>

#include "basin/snapshot.h"

namespace basin {
namespace {

std::string Join(const std::string& dir, std::string_view name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

bool SameContent(const TreeEntry& a, const TreeEntry& b) {
  if (a.size != b.size || a.content_list != b.content_list) return false;
  if (a.content.size() != b.content.size()) return false;
  for (size_t i = 0; i < a.content.size(); ++i) {
    if (a.content[i].id != b.content[i].id || a.content[i].size != b.content[i].size) return false;
  }
  return a.symlink_target == b.symlink_target && a.rdev == b.rdev;
}

bool SameMetadata(const TreeEntry& a, const TreeEntry& b) {
  return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.mtime == b.mtime &&
         a.xattrs == b.xattrs;
}

// Every entry below `tree` as added ('+') or removed ('-').
Status ReportAll(Basin& basin, const GrainId& tree, const std::string& path, char kind,
                 const std::function<Status(const DiffEntry&)>& fn) {
  BASIN_ASSIGN_OR_RETURN(Tree t, ReadTree(basin, tree));
  for (const TreeEntry& e : t.entries) {
    const std::string p = Join(path, e.name);
    BASIN_RETURN_IF_ERROR(fn(DiffEntry{kind, p, e.type}));
    if (e.subtree) BASIN_RETURN_IF_ERROR(ReportAll(basin, *e.subtree, p, kind, fn));
  }
  return Status::OK();
}

Status Diff(Basin& basin, const GrainId& older, const GrainId& newer, const std::string& path,
            const std::function<Status(const DiffEntry&)>& fn) {
  if (older == newer) return Status::OK();
  BASIN_ASSIGN_OR_RETURN(Tree a, ReadTree(basin, older));
  BASIN_ASSIGN_OR_RETURN(Tree b, ReadTree(basin, newer));
  size_t i = 0, j = 0;
  while (i < a.entries.size() || j < b.entries.size()) {
    const TreeEntry* x = i < a.entries.size() ? &a.entries[i] : nullptr;
    const TreeEntry* y = j < b.entries.size() ? &b.entries[j] : nullptr;
    if (y == nullptr || (x != nullptr && x->name < y->name)) {
      const std::string p = Join(path, x->name);
      BASIN_RETURN_IF_ERROR(fn(DiffEntry{'-', p, x->type}));
      if (x->subtree) BASIN_RETURN_IF_ERROR(ReportAll(basin, *x->subtree, p, '-', fn));
      ++i;
      continue;
    }
    if (x == nullptr || y->name < x->name) {
      const std::string p = Join(path, y->name);
      BASIN_RETURN_IF_ERROR(fn(DiffEntry{'+', p, y->type}));
      if (y->subtree) BASIN_RETURN_IF_ERROR(ReportAll(basin, *y->subtree, p, '+', fn));
      ++j;
      continue;
    }
    const std::string p = Join(path, y->name);
    if (x->type != y->type) {
      BASIN_RETURN_IF_ERROR(fn(DiffEntry{'T', p, y->type}));
    } else if (y->type == EntryType::kDirectory) {
      if (!SameMetadata(*x, *y)) BASIN_RETURN_IF_ERROR(fn(DiffEntry{'U', p, y->type}));
      BASIN_RETURN_IF_ERROR(Diff(basin, *x->subtree, *y->subtree, p, fn));
    } else if (!SameContent(*x, *y)) {
      BASIN_RETURN_IF_ERROR(fn(DiffEntry{'M', p, y->type}));
    } else if (!SameMetadata(*x, *y)) {
      BASIN_RETURN_IF_ERROR(fn(DiffEntry{'U', p, y->type}));
    }
    ++i;
    ++j;
  }
  return Status::OK();
}

Status Walk(Basin& basin, const GrainId& tree, const std::string& path,
            const std::function<Result<bool>(const std::string&, const TreeEntry&)>& fn) {
  BASIN_ASSIGN_OR_RETURN(Tree t, ReadTree(basin, tree));
  for (const TreeEntry& e : t.entries) {
    const std::string p = Join(path, e.name);
    BASIN_ASSIGN_OR_RETURN(bool descend, fn(p, e));
    if (descend && e.subtree) BASIN_RETURN_IF_ERROR(Walk(basin, *e.subtree, p, fn));
  }
  return Status::OK();
}

}  // namespace

Status DiffTrees(Basin& basin, const GrainId& older, const GrainId& newer,
                 const std::function<Status(const DiffEntry&)>& fn) {
  return Diff(basin, older, newer, "/", fn);
}

Status WalkTree(Basin& basin, const GrainId& root, std::string_view path,
                const std::function<Result<bool>(const std::string&, const TreeEntry&)>& fn) {
  BASIN_ASSIGN_OR_RETURN(TreeEntry top, FindPath(basin, root, path));
  const std::string base = path.empty() ? "/" : std::string(path);
  if (!top.subtree) {
    return fn(base, top).status();
  }
  return Walk(basin, *top.subtree, base, fn);
}

}  // namespace basin
