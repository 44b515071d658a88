// Builds a table's index and filter (docs/format/table.md): one index and one filter while
// they fit in one partition, partitioned under a top-level index once they outgrow it.
#ifndef BASIN_TABLE_INDEX_BUILDER_H_
#define BASIN_TABLE_INDEX_BUILDER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basin/status.h"
#include "table/block_builder.h"
#include "table/bloom.h"
#include "table/meta_block.h"
#include "table/table_format.h"

namespace basin::table {

class IndexBuilder {
 public:
  // bits_per_key 0: no filter. A partition closes after the data block that brings its
  // filter or its index to partition_size bytes.
  IndexBuilder(int bits_per_key, uint32_t partition_size);

  // In the order the builder takes them: every key, and the end of each data block (the
  // size of the block's last key, to estimate the index).
  void AddKey(std::string_view key);
  void EndBlock(size_t last_key_size);
  // Each data block's index entry, in block order, possibly after later keys and blocks.
  void AddEntry(std::string_view separator, const BlockHandle& handle);

  // Writes a block at the end of the table and gives its handle.
  using WriteBlock =
      std::function<Status(std::string_view contents, bool compress, BlockHandle* handle)>;
  // Once every entry is added: writes the filter block or the partitions through `write`,
  // sets the size of that region in *footer and the index fields of *meta.
  Status Finish(const WriteBlock& write, Footer* footer, MetaBlock* meta);

 private:
  struct Partition {
    std::string filter;  // its filter block's contents (empty: no filter)
    std::string index;   // its index block's contents
    std::string separator;
    BlockHandle data;
  };
  void CloseIndexPartition();
  std::string FinishFilter();
  Status WriteTwoLevel(const WriteBlock& write, Footer* footer, MetaBlock* meta);

  const uint32_t partition_size_;
  const int bits_per_key_;
  std::optional<BloomBuilder> bloom_;
  BlockBuilder index_{1};
  std::string handle_buf_;
  // Filter side: keys and index estimate since the last cut; the cuts' block numbers.
  uint64_t keys_ = 0, index_estimate_ = 0, blocks_ = 0;
  std::deque<uint64_t> cuts_;
  std::deque<std::string> filters_;  // finished filters of partitions not closed yet
  // Index side.
  uint64_t entries_ = 0;
  BlockHandle span_;  // data blocks of the open index partition
  std::string last_separator_;
  std::vector<Partition> partitions_;
  double fp_sum_ = 0;  // over every filter line, for the estimate
  uint64_t fp_lines_ = 0;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_INDEX_BUILDER_H_
