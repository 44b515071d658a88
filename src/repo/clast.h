// Clast lists (docs/format/repository.md, "Clast lists"): the chunks of a large blob.
//
//   clast list := level: u8 | count: varint | (id: 32 | size: varint) * count
#ifndef BASIN_REPO_CLAST_H_
#define BASIN_REPO_CLAST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "basin/blake3.h"
#include "basin/status.h"

namespace basin::repo {

struct ClastEntry {
  Hash256 id;
  uint64_t size = 0;  // bytes of the chunk, or of the sub-list's blob
};

struct ClastList {
  uint8_t level = 0;  // 0: entries are chunks; n: entries are lists of level n-1
  std::vector<ClastEntry> entries;
  uint64_t total_size() const;
};

std::string EncodeClastList(const ClastList& list);
// Corruption naming `what` for anything malformed (more than kMaxClastEntries entries,
// a level over 8, trailing bytes).
Result<ClastList> DecodeClastList(std::string_view bytes, std::string_view what);

}  // namespace basin::repo

#endif  // BASIN_REPO_CLAST_H_
