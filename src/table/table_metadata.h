// What a table reader loads once and shares (seed 002's metadata): footer, properties,
// the index (or a partitioned table's top level) and a single-level table's filter.
#ifndef BASIN_TABLE_TABLE_METADATA_H_
#define BASIN_TABLE_TABLE_METADATA_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basin/block_cache.h"
#include "basin/table.h"
#include "table/block.h"
#include "table/bloom.h"
#include "table/separator_index.h"
#include "table/table_file.h"
#include "table/table_format.h"

namespace basin {

// Immutable once loaded.
struct TableMetadata {
  TableProperties props;
  table::Footer footer;  // the regions
  std::array<uint8_t, 16> file_id{};
  bool two_level = false;
  // Single-level: separators -> data block handles. Two-level: the top level, separators
  // -> PartitionHandle, and the handles decoded.
  std::shared_ptr<const table::Block> index;
  table::SeparatorIndex search;  // over `index`
  std::vector<table::PartitionHandle> top_handles;
  uint64_t filter_bytes = 0;                // the meta block's filter_bytes
  std::string filter_contents;              // single-level
  std::optional<table::BloomReader> bloom;  // points into filter_contents

  uint64_t data_end() const { return footer.data_size; }
};

namespace table {

// How much of a table's end a reader fetches first, hoping it holds all the metadata.
inline constexpr uint64_t kSuffixProbe = 64 << 10;

// Kinds of cached block: the block cache keeps data blocks and partitions of one table
// apart by the top byte of the offset in their key.
enum class CachedKind : uint8_t { kDataBlock = 0, kPartition = 1 };

BlockCache::Key CacheKey(const TableMetadata& m, CachedKind kind, uint64_t offset);

// Loads and checks a table's metadata. `known` holds bytes [known_offset, known_offset +
// known.size()) of the table already read (may be empty); what they do not cover is read
// from `file`: a suffix of up to kSuffixProbe bytes for the footer, then, if need be, the
// meta block (and a single-level table's filter) in one read. Corruption naming the
// table and what is wrong; NotSupported for another format version.
Result<std::shared_ptr<const TableMetadata>> LoadMetadata(const TableFile& file,
                                                          std::string_view known,
                                                          uint64_t known_offset);

// Checks a partition's index block, loaded for the top-level entry (`separator`, `p`): its
// keys increase and stay <= separator, its handles tile p.data, a restart point at each
// entry. Gives the number of data blocks it names and, when `starts` is given and
// p.data is under 4 GiB, where each block starts from p.data.offset (p.data.size() last).
Status CheckIndexPartition(const Block& partition, std::string_view separator,
                           const PartitionHandle& p, uint64_t* blocks,
                           std::vector<uint32_t>* starts = nullptr);

}  // namespace table
}  // namespace basin

#endif  // BASIN_TABLE_TABLE_METADATA_H_
