// The table reader (include/basin/table.h): table_reader.cc opens, loads metadata, does
// point lookups and reads blocks and partitions; table_scan.cc iterates and verifies.
#ifndef BASIN_TABLE_TABLE_READER_IMPL_H_
#define BASIN_TABLE_TABLE_READER_IMPL_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "basin/table.h"
#include "table/block.h"
#include "table/bloom.h"
#include "table/separator_index.h"
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

// Which data blocks of a mapped table were checked already, by their entry number in an
// index block (one restart point per entry), so that a lookup uses such a block where it
// lies without checking it again. Thread-safe.
class VerifiedBlocks {
 public:
  explicit VerifiedBlocks(uint64_t blocks)
      : words_((blocks + 63) / 64), bits_(new std::atomic<uint64_t>[words_]()) {}
  bool Test(uint64_t i) const {
    return i / 64 < words_ && (bits_[i / 64].load(std::memory_order_relaxed) >> (i % 64) & 1);
  }
  void Set(uint64_t i) {
    if (i / 64 < words_) bits_[i / 64].fetch_or(uint64_t{1} << (i % 64), std::memory_order_relaxed);
  }
  size_t bytes() const { return sizeof(*this) + words_ * 8; }

 private:
  const uint64_t words_;
  std::unique_ptr<std::atomic<uint64_t>[]> bits_;
};

// A two-level table's partition, decoded: its filter (when the table has one) and its
// index, viewing `raw` (the bytes read) or the mapped table, which `pin` keeps alive.
struct Partition {
  std::string raw;
  std::string filter_owned;  // a compressed filter, decompressed
  std::shared_ptr<const ReadableObject> pin;
  std::optional<BloomReader> bloom;
  std::shared_ptr<const Block> index;  // hand out only as an alias of the partition
  SeparatorIndex search;               // over `index`
  // When read from a mapped table (`pin`): which of its data blocks, in that mapping, were
  // checked.
  std::unique_ptr<VerifiedBlocks> verified;
  // Where data block i of its span starts (from data_offset), and the span's end last:
  // a lookup takes its block's place from here, not from an index entry (4 bytes a
  // block). Empty for a span of 4 GiB or more.
  uint64_t data_offset = 0;
  std::vector<uint32_t> starts;
  size_t charge() const {
    return sizeof(*this) + raw.capacity() + filter_owned.capacity() + index->charge() +
           search.bytes() + (verified ? verified->bytes() : 0) + starts.capacity() * 4;
  }
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

  Status Lookup(std::string_view key, std::string* value, bool* found) override;
  Status GetRange(std::string_view from, std::optional<std::string_view> to,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;
  std::unique_ptr<TableIterator> NewIterator() override;
  Result<TableProperties> Properties() override;
  Result<std::vector<TableBlock>> Blocks() override;
  Status Verify() override;

 private:
  Result<std::shared_ptr<const TableMetadata>> Metadata();
  Status OpenFile();
  // Looks `key` up in the data block `index` names for it. `verified` (mapped tables):
  // the blocks of that index checked already; `part` (when the index is a partition's):
  // where its blocks lie.
  Status Find(const TableMetadata& m, const Block& index, const SeparatorIndex& search,
              const Partition* part, VerifiedBlocks* verified, std::string_view key,
              std::string* value, bool* found);

  // A data block (its handle's encoding), through the cache; `readahead` (iterators) may
  // read ahead. *in_place: an uncompressed block of a mapped table, used where it lies
  // (and, the page cache holding it, not cached again).
  Result<std::shared_ptr<const Block>> DataBlock(const TableMetadata& m,
                                                 std::string_view handle_bytes, bool use_cache,
                                                 Readahead* readahead = nullptr,
                                                 bool* in_place = nullptr);
  // The same for a decoded handle.
  Result<std::shared_ptr<const Block>> DataBlockAt(const TableMetadata& m, const BlockHandle& h,
                                                   bool use_cache, Readahead* readahead,
                                                   bool* in_place);
  // Partition i of a two-level table, through the cache; in one read, checked when read.
  Result<std::shared_ptr<const Partition>> PartitionOf(const TableMetadata& m, size_t i,
                                                       bool use_cache);
  // A stored block's contents, checked: a view of the mapped table when it is stored
  // uncompressed there (*in_place), else decoded into *owned.
  Status ReadContents(const TableMetadata& m, const BlockHandle& h, Readahead* readahead,
                      std::string* owned, std::string_view* contents, bool* in_place);
  Status DecodePartition(std::string_view bytes, std::string_view separator,
                         const PartitionHandle& p, Partition* part);
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
  // A single-level mapped table's checked data blocks.
  std::once_flag verified_once_;
  std::unique_ptr<VerifiedBlocks> verified_;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_TABLE_READER_IMPL_H_
