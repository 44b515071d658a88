// A search aid for an index block held in memory (a single-level table's index, a
// two-level table's top level, a cached partition's index): the 8 bytes of each separator
// that follow what the separators share, in an array, so that a lookup binary-searches a
// few cache lines of integers instead of the block's entries. Not part of the format.
#ifndef BASIN_TABLE_SEPARATOR_INDEX_H_
#define BASIN_TABLE_SEPARATOR_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "basin/status.h"
#include "table/block.h"

namespace basin::table {

// The first 8 bytes of a key, big-endian, zero-padded: a < b implies KeyPrefix(a) <=
// KeyPrefix(b), so most comparisons need only these.
uint64_t KeyPrefix(std::string_view key);

class SeparatorIndex {
 public:
  SeparatorIndex() = default;
  // REQUIRES: `block` has a restart point at every entry and increasing keys (the reader
  // checks both before it builds this).
  explicit SeparatorIndex(const Block& block);

  // The number of the first entry of `block` (the one this was built from) whose key is
  // >= target; entries() when every key is below target. The block's entries are read
  // where the prefixes cannot decide. Corruption when the block is damaged.
  Status Seek(std::string_view target, const Block& block, size_t* entry) const;

  size_t entries() const { return entries_; }
  size_t bytes() const { return sizeof(*this) + common_.capacity() + prefixes_.capacity() * 8; }

 private:
  std::string common_;              // what every key but the last starts with
  std::vector<uint64_t> prefixes_;  // KeyPrefix of each key but the last, after common_
  size_t entries_ = 0;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_SEPARATOR_INDEX_H_
