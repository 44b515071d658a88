// The table's cache-local bloom filter (docs/format/table.md, "Filter block"): all probes
// of a key fall in one 64-byte line. The constants are in table_format.h. A filter block
// covers the whole table, or one partition of it.
#ifndef BASIN_TABLE_BLOOM_H_
#define BASIN_TABLE_BLOOM_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "basin/status.h"

namespace basin::table {

uint64_t BloomHash(std::string_view key);

class BloomBuilder {
 public:
  explicit BloomBuilder(int bits_per_key) : bits_per_key_(bits_per_key) {}
  void AddKey(std::string_view key) { hashes_.push_back(BloomHash(key)); }
  size_t keys() const { return hashes_.size(); }
  // The filter block's contents: lines, then [lines: u32][probes: u8][kind: u8].
  std::string Finish();
  static int ProbesFor(int bits_per_key);

 private:
  const int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

// Reads a filter block's contents; keeps a view, so the contents must outlive it.
class BloomReader {
 public:
  // Corruption when the contents are not a well-formed filter.
  static Result<BloomReader> Parse(std::string_view contents);
  bool MayContain(uint64_t hash) const;
  size_t size_bytes() const { return static_cast<size_t>(lines_) * 64; }
  int probes() const { return probes_; }
  // The chance that an absent key passes: the mean over lines of (share of bits set)^probes.
  double EstimateFalsePositiveRate() const;
  // The sum over lines of that chance (to average over several filters).
  double SumLineFalsePositives() const;
  uint32_t lines() const { return lines_; }

 private:
  const char* bits_ = nullptr;
  uint32_t lines_ = 0;
  int probes_ = 0;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_BLOOM_H_
