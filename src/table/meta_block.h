// The meta block's contents (docs/format/table.md, "Meta block"): the table's properties
// and its index, as tagged fields that a reader skips when it does not know them.
#ifndef BASIN_TABLE_META_BLOCK_H_
#define BASIN_TABLE_META_BLOCK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "basin/compression.h"
#include "basin/status.h"

namespace basin::table {

// Field tags, FROZEN: tag = number << 1 | must_understand. A reader skips a field whose
// tag it does not know when must_understand is 0, and refuses the table (NotSupported)
// when it is 1. New properties take new numbers; a number is never reused.
enum MetaTag : uint32_t {
  kTagEntries = 1 << 1,           // varint
  kTagDataBlocks = 2 << 1,        // varint
  kTagRawKeyBytes = 3 << 1,       // varint
  kTagRawValueBytes = 4 << 1,     // varint
  kTagCompression = 5 << 1,       // u8: the compression the builder was asked for
  kTagRestartInterval = 6 << 1,   // varint
  kTagFirstKey = 7 << 1,          // bytes
  kTagLastKey = 8 << 1,           // bytes
  kTagFileId = 9 << 1 | 1,        // 16 bytes, random: names the table in the block cache
  kTagIndexLevels = 10 << 1 | 1,  // varint: kSingleLevelIndex or kTwoLevelIndex
  kTagIndex = 11 << 1 | 1,        // an index block's contents (see docs)
  kTagPartitions = 12 << 1,       // varint: entries of a two-level index's top level
  kTagFilterFpPpb = 13 << 1,      // varint: the filter's estimated false-positive rate * 1e9
  kTagFilterBytes = 14 << 1,      // varint: the filter blocks' stored bytes (all partitions)
};
inline constexpr uint32_t kTagMustUnderstand = 1;

struct MetaBlock {
  uint64_t entries = 0;
  uint64_t data_blocks = 0;
  uint64_t raw_key_bytes = 0;
  uint64_t raw_value_bytes = 0;
  CompressionType compression = CompressionType::kNone;
  uint32_t restart_interval = 16;
  std::string first_key, last_key;
  std::array<uint8_t, 16> file_id{};
  uint64_t index_levels = 0;
  std::string index;  // contents of the index block
  uint64_t partitions = 0;
  std::optional<uint64_t> filter_fp_ppb;
  uint64_t filter_bytes = 0;

  // The fields in tag order.
  std::string Encode() const;
  // Corruption naming the field when a field is cut off, malformed, repeated or missing;
  // NotSupported naming the tag for an unknown field that must be understood.
  static Result<MetaBlock> Decode(std::string_view contents);
};

}  // namespace basin::table

#endif  // BASIN_TABLE_META_BLOCK_H_
