// MountLayout: the directories of a mount above the snapshots' own trees, built from the
// snapshot list alone (no grain read):
//
//   snapshots/<time>/...       every snapshot, named by its UTC time (2026-12-07T14:50:17Z,
//   snapshots/latest ->          "-1", "-2"... appended when several share a second), and a
//                                symlink to the newest
//   ids/<short id>/...         every snapshot by the first 8 hex digits of its id
//   tags/<tag>/<time>/...      the snapshots with each tag, and a latest symlink per tag
//   hosts/<host>/<time>/...    the same per host
//
// Immutable once built (a refresh builds a new one), so it is shared freely.
#ifndef BASIN_MOUNT_MOUNT_LAYOUT_H_
#define BASIN_MOUNT_MOUNT_LAYOUT_H_

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "basin/snapshot.h"

namespace basin::mount {

// A directory of the layout: subdirectories, snapshots (each the root of its tree) and
// perhaps a `latest` symlink.
struct VirtualDir {
  std::map<std::string, std::unique_ptr<VirtualDir>, std::less<>> dirs;
  std::map<std::string, size_t, std::less<>> snapshots;  // name -> index in the layout
  std::string latest;   // the name `latest` points to; empty: no such link
  int64_t time_ns = 0;  // of the newest snapshot below (its mtime)
};

class MountLayout {
 public:
  // `snapshots` oldest first (ListSnapshots' order).
  explicit MountLayout(std::vector<Snapshot> snapshots);

  const VirtualDir& root() const { return root_; }
  const std::vector<Snapshot>& snapshots() const { return snapshots_; }

  // Where `names` (a path's components) leads, following no symlink. A snapshot's path
  // goes on in its tree: `rest` holds the components below the snapshot's root.
  struct Place {
    const VirtualDir* dir = nullptr;      // a directory of the layout
    const VirtualDir* link_in = nullptr;  // the `latest` symlink of this directory
    const Snapshot* snapshot = nullptr;   // a snapshot's tree, at `rest` below its root
    std::span<const std::string_view> rest;
  };
  // NotFound when nothing is there (or a component goes through a symlink).
  Result<Place> Find(std::span<const std::string_view> names) const;

  // "2026-12-07T14:50:17Z"
  static std::string TimeName(int64_t time_ns);

 private:
  void AddGroup(VirtualDir* dir, const std::vector<size_t>& members);

  std::vector<Snapshot> snapshots_;
  VirtualDir root_;
};

}  // namespace basin::mount

#endif  // BASIN_MOUNT_MOUNT_LAYOUT_H_
