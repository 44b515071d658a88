// Small helpers the snapshot commands share: naming snapshots, printing entries.
#ifndef BASIN_CLI_SNAPSHOT_UTIL_H_
#define BASIN_CLI_SNAPSHOT_UTIL_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "basin/snapshot.h"

namespace basin::cli {

// "ID[:PATH]" or "latest[:PATH]".
struct SnapshotRef {
  std::string id;
  std::string path = "/";
};
Result<SnapshotRef> ParseSnapshotRef(std::string_view text);

std::string ShortId(const GrainId& id);   // 8 hex digits
std::string FormatTime(int64_t time_ns);  // "2026-12-07 09:41:02" (local)
std::string FormatTime(const Timespec& t);
std::string ModeString(const TreeEntry& e);  // "drwxr-xr-x"
nlohmann::json EntryJson(const std::string& path, const TreeEntry& e);
nlohmann::json SnapshotJson(const Snapshot& s);
// A path for printing: bytes that are not printable are escaped (\n, \xNN).
std::string PrintablePath(std::string_view path);

}  // namespace basin::cli

#endif  // BASIN_CLI_SNAPSHOT_UTIL_H_
