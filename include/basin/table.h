// The sorted table (docs/format/table.md): immutable files of key/value pairs in key order,
// with point lookups, range reads and iteration both ways (seeds 002 and 004).
//
//   auto b = TableBuilder::Open(store, "tables/000001", options);
//   b->Add("apple", "1");  b->Add("banana", "2");  b->Finish();
//
//   auto r = TableReader::Open(store, "tables/000001", options);
//   auto meta = r->FetchAndLoadMetadata();   // once, at boot; share it
//   auto r2 = TableReader::Open(store, "tables/000001", options);
//   r2->LoadCachedMetadata(*meta);           // no I/O
//   std::string v;  r2->GetRow("apple", &v);
#ifndef BASIN_TABLE_H_
#define BASIN_TABLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basin/block_cache.h"
#include "basin/compression.h"
#include "basin/object_store.h"

namespace basin {

struct TableOptions {
  uint32_t block_size = 4096;      // target size of a data block, before compression
  int restart_interval = 16;       // a full key every this many entries
  CompressionOptions compression;  // per block; none by default
  int bloom_bits_per_key = 10;     // 0: no filter
  // Limits a builder enforces; at most 65535 and 2^32 - 1, the format's limits.
  uint64_t max_key_size = 4096;
  uint64_t max_value_size = uint64_t{16} << 20;
  // Readers: a cache shared by readers (optional).
  std::shared_ptr<BlockCache> block_cache;
};

// Streams a table into a store: memory is about one block, the index, and 8 bytes per key
// for the filter, whatever the table's size. Keys must be strictly increasing. The first
// error is sticky. Not thread-safe.
class TableBuilder {
 public:
  static Result<std::unique_ptr<TableBuilder>> Open(std::shared_ptr<ObjectStore> store,
                                                    std::string key,
                                                    const TableOptions& options = {});
  virtual ~TableBuilder() = default;  // without Finish(): the table is not created
  // InvalidArgument when the key is not greater than the last one, or too large.
  virtual Status Add(std::string_view key, std::string_view value) = 0;
  // Writes the filter, meta block and footer, and makes the table visible.
  virtual Status Finish() = 0;
  virtual uint64_t entries() const = 0;
  virtual uint64_t bytes_written() const = 0;
};

// What a reader loads once and may share: index, filter, properties. Immutable.
struct TableMetadata;

struct TableProperties {
  uint64_t entries = 0;
  uint64_t data_blocks = 0;
  uint64_t raw_key_bytes = 0;
  uint64_t raw_value_bytes = 0;
  CompressionType compression = CompressionType::kNone;
  uint32_t restart_interval = 16;
  std::string first_key, last_key;
  uint64_t file_size = 0;
  uint64_t index_bytes = 0;   // the index block, in memory
  uint64_t filter_bytes = 0;  // the filter, in memory (0: no filter)
  int filter_probes = 0;
  // The filter's false-positive rate, estimated from how full its lines are.
  double filter_fp_estimate = 0;
  uint64_t metadata_memory = 0;  // what a loaded TableMetadata takes
};

// A data block, as the index describes it.
struct TableBlock {
  uint64_t offset = 0;
  uint64_t size = 0;      // stored, trailer included
  std::string separator;  // >= every key in the block, < every key in the next
};

// An iterator over keys in order. Starts unpositioned. Not thread-safe.
class TableIterator {
 public:
  virtual ~TableIterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void Seek(std::string_view target) = 0;  // the first key >= target
  virtual void Next() = 0;                         // REQUIRES: Valid()
  virtual void Prev() = 0;                         // REQUIRES: Valid()
  virtual std::string_view key() const = 0;        // valid until the iterator moves
  virtual std::string_view value() const = 0;      // likewise
  // Corruption or an I/O error when a block could not be read; Valid() is then false.
  virtual const Status& status() const = 0;
};

// Reads one table. Thread-safe; iterators are not, and must not outlive their reader.
class TableReader {
 public:
  // Opens the table for reading; no I/O until the metadata is needed (seed 002).
  static Result<std::unique_ptr<TableReader>> Open(std::shared_ptr<ObjectStore> store,
                                                   std::string key,
                                                   const TableOptions& options = {});
  virtual ~TableReader() = default;

  // Reads footer, meta and filter (one suffix read where they fit), checks them, and
  // keeps them. A truncated or damaged table is refused here.
  virtual Result<std::shared_ptr<const TableMetadata>> FetchAndLoadMetadata() = 0;
  // Uses metadata another reader of the same table loaded. No I/O.
  virtual void LoadCachedMetadata(std::shared_ptr<const TableMetadata> metadata) = 0;

  // The value of `key` in *value; NotFound when absent (the filter answers most absent
  // keys without reading a block).
  virtual Status GetRow(std::string_view key, std::string* value) = 0;
  // Calls fn(key, value) for each key in [from, to) in order (no `to`: to the end), until
  // fn returns false.
  virtual Status GetRange(std::string_view from, std::optional<std::string_view> to,
                          const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  virtual std::unique_ptr<TableIterator> NewIterator() = 0;
  virtual Result<TableProperties> Properties() = 0;
  virtual Result<std::vector<TableBlock>> Blocks() = 0;
  // Reads every block and checks every checksum; Corruption naming the first bad block.
  virtual Status Verify() = 0;
};

// Merges iterators over several tables into one sorted view. children[0] is the newest:
// when tables hold the same key, the newest one's value is seen and the others skipped.
std::unique_ptr<TableIterator> NewMergingIterator(
    std::vector<std::unique_ptr<TableIterator>> children);

}  // namespace basin

#endif  // BASIN_TABLE_H_
