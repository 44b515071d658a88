// The table reader (include/basin/table.h): table_reader.cc opens, loads metadata, does
// point lookups and reads blocks and partitions; table_scan.cc iterates and verifies.
#ifndef BASIN_TABLE_TABLE_READER_IMPL_H_
#define BASIN_TABLE_TABLE_READER_IMPL_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "basin/table.h"
#include "table/block.h"
#include "table/bloom.h"
#include "table/table_file.h"
#include "table/table_format.h"
#include "table/table_metadata.h"

namespace basin::table {

// An iterator's readahead: after two blocks read in file order, blocks come out of a
// window read in one call.
struct Readahead {
  std::string window;
  uint64_t start = 0;
  uint64_t next_expected = UINT64_MAX;
  int run = 0;
};

// A filter partition, decoded; its bloom reader points into `owned` or the mapped table.
struct FilterPartition {
  std::string owned;
  std::shared_ptr<const void> pin;
  BloomReader bloom;
  size_t charge() const { return sizeof(*this) + owned.capacity(); }
};

class Reader : public TableReader {
 public:
  // A whole object, opened when first needed.
  Reader(std::shared_ptr<ObjectStore> store, std::string key, const TableOptions& options)
      : store_(std::move(store)), key_(std::move(key)), options_(options) {}
  // A table inside an object the caller opened.
  Reader(std::shared_ptr<TableFile> file, const TableOptions& options)
      : key_(file->name()), options_(options), file_(std::move(file)) {}

  Result<std::shared_ptr<const TableMetadata>> FetchAndLoadMetadata() override;
  // Loads the metadata using bytes of the table already read (see EmbeddedTable).
  Status LoadMetadataFrom(std::string_view known, uint64_t known_offset);
  void LoadCachedMetadata(std::shared_ptr<const TableMetadata> metadata) override;

  Status GetRow(std::string_view key, std::string* value) override;
  Status GetRange(std::string_view from, std::optional<std::string_view> to,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;
  std::unique_ptr<TableIterator> NewIterator() override;
  Result<TableProperties> Properties() override;
  Result<std::vector<TableBlock>> Blocks() override;
  Status Verify() override;

 private:
  Result<std::shared_ptr<const TableMetadata>> Metadata();
  Status OpenFile();
  Status Find(const TableMetadata& m, const Block& index, std::string_view key, std::string* value);

  // A data block (its handle's encoding), through the cache; `readahead` (iterators) may
  // read ahead.
  Result<std::shared_ptr<const Block>> DataBlock(const TableMetadata& m,
                                                 std::string_view handle_bytes, bool use_cache,
                                                 Readahead* readahead = nullptr);
  // A two-level table's partitions, through the cache, checked when read.
  Result<std::shared_ptr<const Block>> IndexPartition(const TableMetadata& m,
                                                      std::string_view separator,
                                                      const PartitionHandle& p, bool use_cache);
  Result<std::shared_ptr<const FilterPartition>> FilterPartitionOf(const TableMetadata& m,
                                                                   const PartitionHandle& p,
                                                                   bool use_cache);
  // A stored block's contents, checked: a view of the mapped table when it is stored
  // uncompressed there (*in_place), else decoded into *owned.
  Status ReadContents(const TableMetadata& m, const BlockHandle& h, Readahead* readahead,
                      std::string* owned, std::string_view* contents, bool* in_place);
  Status ReadStored(const TableMetadata& m, const BlockHandle& h, Readahead* readahead,
                    std::string* stored);
  std::string Where(std::string_view what, uint64_t offset) const;

  // The data block handles in order: the index, or the top level and each partition.
  std::unique_ptr<TableIterator> NewIndexIterator(std::shared_ptr<const TableMetadata> m,
                                                  bool use_cache);
  // Checks every data block `index` names; counts blocks and entries, continues the key
  // order from *prev_key.
  Status VerifyBlocks(const TableMetadata& m, const Block& index, const BloomReader* filter,
                      std::string* prev_key, uint64_t* blocks, uint64_t* entries);

  std::shared_ptr<ObjectStore> store_;  // null for an embedded table
  const std::string key_;               // or the embedded table's name
  const TableOptions options_;
  std::mutex mu_;
  std::shared_ptr<const TableMetadata> meta_;
  std::once_flag open_once_;
  Status open_status_;
  std::shared_ptr<TableFile> file_;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_TABLE_READER_IMPL_H_
