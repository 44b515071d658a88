// Trees and snapshots: the on-disk constants. FROZEN: version 1 of docs/format/snapshots.md.
#ifndef BASIN_SNAPSHOT_SNAPSHOT_FORMAT_H_
#define BASIN_SNAPSHOT_SNAPSHOT_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace basin::snap {

inline constexpr uint8_t kTreeVersion = 1;
inline constexpr uint8_t kSnapshotVersion = 1;
inline constexpr size_t kMaxNameSize = 255;
inline constexpr size_t kMaxTreeEntries = 10'000'000;  // a directory of more is refused
inline constexpr size_t kInlineChunks = 64;            // more: the content goes to a clast list

enum EntryTag : uint32_t {
  kType = 2,
  kMode = 4,
  kUid = 6,
  kGid = 8,
  kUser = 9,
  kMtime = 10,
  kGroup = 11,
  kCtime = 12,
  kAtime = 13,
  kSize = 14,
  kDevice = 15,
  kInode = 17,
  kLinks = 19,
  kXattr = 21,
  kSymlinkTarget = 23,
  kRdev = 25,
  kContent = 26,
  kSubtree = 28,
};

enum ContentKind : uint8_t { kChunks = 0, kClastList = 1 };

enum SnapshotTag : uint32_t {
  kRoot = 2,
  kTime = 4,
  kHost = 5,
  kUser_ = 7,
  kPath = 9,
  kTag = 11,
  kParent = 13,
  kProgram = 15,
  kSummary = 17,
  kTotalBytes = 19,  // journal summary only
  kTotalFiles = 21,  // journal summary only
};

enum SummaryTag : uint32_t {
  kFilesNew = 2,
  kFilesChanged = 4,
  kFilesUnchanged = 6,
  kDirsNew = 8,
  kDirsChanged = 10,
  kDirsUnchanged = 12,
  kBytesRead = 14,
  kBytesAdded = 16,
  kBytesStored = 18,
  kDuration = 20,
  kSummaryTotalFiles = 22,
  kSummaryTotalBytes = 24,
  kErrors = 26,
};

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_SNAPSHOT_FORMAT_H_
