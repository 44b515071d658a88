// The sorted table (docs/format/table.md, format version 2): immutable runs of key/value
// pairs in key order, with point lookups, range reads and iteration both ways (seeds 002
// and 004). A table is a whole object, or a byte range inside a larger one.
//
//   auto b = TableBuilder::Open(store, "tables/000001", options);
//   b->Add("apple", "1");  b->Add("banana", "2");  b->Finish();
//
//   auto r = TableReader::Open(store, "tables/000001", options);
//   auto meta = r->FetchAndLoadMetadata();   // once, at boot; share it
//   auto r2 = TableReader::Open(store, "tables/000001", options);
//   r2->LoadCachedMetadata(*meta);           // no I/O
//   std::string v;  r2->GetRow("apple", &v);
//
// A table after other bytes of one object (the content store's strata):
//
//   auto w = store->NewWriter("strata/0001", PutMode::kCreateOnly);
//   (*w)->Append(packed_grains);                          // the table starts here
//   auto b = TableBuilder::Open(w->get(), options);       // writes into *w, never closes it
//   ... b->Add(...) ...;  b->Finish();
//   const uint64_t table_length = b->bytes_written();
//   (*w)->Append(stratum_footer);  (*w)->Close();
//
//   auto obj = store->OpenReadable("strata/0001");
//   auto r = TableReader::Open({obj, table_offset, table_length, "strata/0001"}, options);
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
  // Target size of a partition's filter (or index, without a filter), 256 B to 1 GiB
  // (BENCHMARKS.md: why 16 KiB).
  // A table whose filter and index fit in one partition (about 13,000 keys with 10 bits
  // per key) is single-level: its reader holds filter and index. A larger one is
  // partitioned: its reader holds only a top-level index, and reads partitions on demand.
  uint32_t partition_size = 16384;
  // Readers: a cache shared by readers (optional) for decoded blocks and partitions.
  // Readers of partitioned tables want one: without it, every lookup reads its partition
  // (filter and index) again.
  std::shared_ptr<BlockCache> block_cache;
};

// Streams a table into an object. Keys must be strictly increasing. Memory: about one
// block (a few with compression, which runs on up to four threads), plus, until Finish,
// 8 bytes per key of the current partition and the finished filter and index partitions
// (about 1.3 bytes per key at 10 bits per key). The first error is sticky. Not thread-safe.
class TableBuilder {
 public:
  // A table that is the whole object `key`: the builder makes the writer and closes it at
  // Finish, which makes the table visible. mode kCreateOnly: Finish (or Open, on stores
  // that check early) fails with AlreadyExists when the key exists, leaving it untouched.
  // InvalidArgument for options out of range; the store's errors from NewWriter.
  static Result<std::unique_ptr<TableBuilder>> Open(std::shared_ptr<ObjectStore> store,
                                                    std::string key,
                                                    const TableOptions& options = {},
                                                    PutMode mode = PutMode::kOverwrite);
  // A table written into `writer`, which the caller owns: the table starts at the writer's
  // current end (its offsets are relative to its first byte), Finish appends the table's
  // last bytes but does not Close the writer, and bytes_written() is then the table's
  // length. The caller may append more bytes after Finish, and Closes or Aborts the
  // writer. REQUIRES: `writer` outlives the builder and gets no other Append until Finish
  // returns. An error from the writer is the builder's sticky error.
  static Result<std::unique_ptr<TableBuilder>> Open(ObjectWriter* writer,
                                                    const TableOptions& options = {});
  // Without Finish(): a whole-object table is not created; an embedded table is left cut
  // short in the caller's writer (the caller aborts it).
  virtual ~TableBuilder() = default;
  // InvalidArgument when the key is not greater than the last one, or too large.
  virtual Status Add(std::string_view key, std::string_view value) = 0;
  // Writes the filter, index partitions, meta block and footer; a whole-object table
  // becomes visible.
  virtual Status Finish() = 0;
  virtual uint64_t entries() const = 0;
  // Bytes of the table written so far; after Finish, the table's length.
  virtual uint64_t bytes_written() const = 0;
};

// What a reader loads once and may share: index, filter, properties. Immutable.
struct TableMetadata;

struct TableProperties {
  uint32_t format_version = 2;
  uint64_t entries = 0;
  uint64_t data_blocks = 0;
  uint64_t raw_key_bytes = 0;
  uint64_t raw_value_bytes = 0;
  CompressionType compression = CompressionType::kNone;
  uint32_t restart_interval = 16;
  std::string first_key, last_key;
  uint64_t file_size = 0;     // the table's length (of its range, for an embedded table)
  uint64_t partitions = 0;    // 0: single-level; else partitions of filter and index
  uint64_t index_bytes = 0;   // the index: its block in memory, plus partitions as stored
  uint64_t filter_bytes = 0;  // the filter (every partition) (0: no filter)
  int filter_probes = 0;
  // The filter's false-positive rate, estimated from how full its lines are (from the
  // filter itself when single-level, else as the builder recorded it).
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

// A table inside an object: bytes [offset, offset + length) of `object`.
struct EmbeddedTable {
  std::shared_ptr<ReadableObject> object;  // shared with the reader and its cached blocks
  uint64_t offset = 0;                     // the table's first byte in the object
  uint64_t length = 0;                     // TableBuilder::bytes_written() after Finish
  std::string name;                        // names the table in messages
};

// Bytes of an object the caller already read (e.g. one suffix read of its tail): bytes
// [offset, offset + bytes.size()) of the object.
struct PrefetchedBytes {
  std::string_view bytes;
  uint64_t offset = 0;
};

// Reads one table. Thread-safe; iterators are not, and must not outlive their reader.
// Errors: Corruption names the table and the block (data block, index partition, filter
// partition, meta block, footer) and its offset in the table; NotSupported names a format
// version or a must-understand property this basin does not read.
class TableReader {
 public:
  // The table that is the whole object `key`; no I/O until the metadata is needed (seed
  // 002), which then costs one suffix read of 64 KiB when footer and metadata fit in it.
  static Result<std::unique_ptr<TableReader>> Open(std::shared_ptr<ObjectStore> store,
                                                   std::string key,
                                                   const TableOptions& options = {});
  // A table inside an object. InvalidArgument when there is no object or the range does
  // not lie inside it. Without prefetched bytes, no I/O until the metadata is needed,
  // which then reads the table's last min(64 KiB, length) bytes in one Read of `object`
  // (free when the object was opened with a prefetched tail that holds them), and the
  // rest of the metadata in one more when it did not fit.
  // With them, the metadata is loaded here, reading from the object only what they do not
  // cover: nothing when they hold the table's footer, meta block and (single-level tables)
  // filter; a table that is damaged, or a range that does not hold exactly one table, is
  // then refused here (Corruption). `prefetched` is only read during the call.
  static Result<std::unique_ptr<TableReader>> Open(EmbeddedTable table,
                                                   const TableOptions& options = {},
                                                   PrefetchedBytes prefetched = {});
  virtual ~TableReader() = default;

  // Reads footer and meta block, and the filter of a single-level table (one suffix read
  // where they fit), checks them, and keeps them. A truncated or damaged table, or a range
  // that does not hold exactly one table, is refused here.
  virtual Result<std::shared_ptr<const TableMetadata>> FetchAndLoadMetadata() = 0;
  // Uses metadata another reader of the same table loaded. No I/O.
  virtual void LoadCachedMetadata(std::shared_ptr<const TableMetadata> metadata) = 0;

  // The value of `key` in *value and *found true, or *found false and OK when the table
  // does not hold `key` (the filter answers most absent keys without reading a block, and
  // an absent key costs no allocation). In a partitioned table a lookup also reads the
  // partition its key falls in (its filter and index, in one read) through the cache.
  // Every error is the table's, never the key's: the store's NotFound when the table
  // object is gone (deleted after this reader was opened; a block read of a table not
  // fully cached or mapped finds it so), IOError when a read fails, Corruption when the
  // bytes read are damaged, each naming the table's key. Callers that must tell "key
  // absent" from "table gone" (the repository's index) use this, not GetRow.
  virtual Status Lookup(std::string_view key, std::string* value, bool* found) = 0;
  // Lookup, with an absent key reported as NotFound("key not in the table"). That is
  // ambiguous with the store's NotFound of a table object that is gone: for tools and
  // tests that know the object is there.
  Status GetRow(std::string_view key, std::string* value);
  // Calls fn(key, value) for each key in [from, to) in order (no `to`: to the end), until
  // fn returns false.
  virtual Status GetRange(std::string_view from, std::optional<std::string_view> to,
                          const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  virtual std::unique_ptr<TableIterator> NewIterator() = 0;
  virtual Result<TableProperties> Properties() = 0;
  // Every data block (reads every partition of a partitioned table).
  virtual Result<std::vector<TableBlock>> Blocks() = 0;
  // Reads every block and checks every checksum, the order of the keys, and that the
  // filter passes every key; Corruption naming the first bad block.
  virtual Status Verify() = 0;
};

// Merges iterators over several tables into one sorted view. children[0] is the newest:
// when tables hold the same key, the newest one's value is seen and the others skipped.
std::unique_ptr<TableIterator> NewMergingIterator(
    std::vector<std::unique_ptr<TableIterator>> children);

}  // namespace basin

#endif  // BASIN_TABLE_H_
