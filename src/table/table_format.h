// The sorted table's on-disk constants and small structures: docs/format/table.md.
// FROZEN at format version 2: change a layout only by adding a version below; add
// properties as new tagged fields (meta_block.h), never by changing these.
#ifndef BASIN_TABLE_TABLE_FORMAT_H_
#define BASIN_TABLE_TABLE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "basin/compression.h"
#include "basin/status.h"

namespace basin::table {

// Table format versions, oldest first; each one's comment is its changelog. The footer's
// last 16 bytes (version, checksum, magic) sit at the same place in every version, so a
// reader knows a table's version before it decodes anything else.
enum class FormatVersion : uint32_t {
  // 1 (2026-11, never frozen): the development layout. A footer of four block handles
  // (meta, filter), properties in a fixed order inside the meta block, one filter and one
  // index for the whole table, offsets from the start of the object. Readers refuse it
  // with NotSupported naming the version: no table of it was ever released.
  kV1Development = 1,
  // 2 (2026-11, frozen): offsets are relative to the table's first byte, so a table may
  // follow other bytes in an object; the footer gives the size of each region (data,
  // filter, partitions, meta), hence the table's length. Properties are tagged, skippable
  // fields. A table whose filter and index exceed one partition has them partitioned
  // (each partition a filter block and an index block) under a top-level index kept in
  // the meta block.
  kV2 = 2,
};
inline constexpr FormatVersion kFormatVersion = FormatVersion::kV2;

inline constexpr std::string_view kMagic = "basintbl";

// Stored block: [contents][type: u8][xxh3-64 of contents and type: u64].
inline constexpr size_t kBlockTrailerSize = 1 + 8;

// Footer v2: data, filter, partitions and meta region sizes, then version, checksum, magic.
inline constexpr size_t kFooterSize = 8 + 8 + 8 + 8 + 4 + 4 + 8;  // 48
inline constexpr size_t kFooterVersionOffset = 8 + 8 + 8 + 8;     // 32, in every version
// Offsets and sizes stay below 2^56: the block cache keeps a block's kind in the top byte.
inline constexpr uint64_t kMaxTableSize = uint64_t{1} << 56;

// Index levels (meta field kIndexLevels).
inline constexpr uint64_t kSingleLevelIndex = 1;  // the meta's index names data blocks
inline constexpr uint64_t kTwoLevelIndex = 2;     // it names partitions

// Bloom filter block: [lines * kBloomLineBytes][lines: u32][probes: u8][kind: u8].
// For a key, h = XXH3-64(key) (seed 0); its line is ((h >> 32) * lines) >> 32; its probes
// set bit x >> kBloomBitShift of that line for x = low 32 bits of h, then x *= kBloomRemix
// (mod 2^32), `probes` times.
inline constexpr uint8_t kFilterBloom = 1;
inline constexpr size_t kBloomLineBytes = 64;
inline constexpr uint32_t kBloomLineBits = kBloomLineBytes * 8;  // 512
inline constexpr int kBloomBitShift = 32 - 9;                    // the top 9 bits: 0..511
inline constexpr uint32_t kBloomRemix = 0x9e3779b9u;
inline constexpr int kBloomMaxProbes = 30;
inline constexpr size_t kFilterSuffixSize = 4 + 1 + 1;  // lines, probes, kind

// Format limits (seed 002): u16 keys, u32 values.
inline constexpr uint64_t kMaxKeySize = 65535;
inline constexpr uint64_t kMaxValueSize = 0xffffffffull;

// Where a stored block is, relative to the table's first byte: offset and size (trailer
// included).
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  void EncodeTo(std::string* dst) const;
  // Consumes two varints from *in.
  bool DecodeFrom(std::string_view* in);
  uint64_t end() const { return offset + size; }
};

// A top-level index entry's value in a two-level table: partition i is its filter block
// (when the table has a filter) followed by its index block, read together; its index
// names the data blocks of span `data`.
struct PartitionHandle {
  uint64_t offset = 0;       // the partition's first byte
  uint64_t filter_size = 0;  // its stored filter block (0: the table has no filter)
  uint64_t index_size = 0;   // its stored index block
  BlockHandle data;          // the data blocks its index names, as one span

  BlockHandle filter() const { return {offset, filter_size}; }
  BlockHandle index() const { return {offset + filter_size, index_size}; }
  uint64_t size() const { return filter_size + index_size; }
  uint64_t end() const { return offset + size(); }
  void EncodeTo(std::string* dst) const;
  // Consumes five varints from *in.
  bool DecodeFrom(std::string_view* in);
};

// The table's regions, in order: data blocks, filter block (single-level tables with a
// filter), partitions (two-level tables), meta block; then the footer.
struct Footer {
  uint64_t data_size = 0;
  uint64_t filter_size = 0;      // single-level: its filter block (0: none); two-level: 0
  uint64_t partitions_size = 0;  // two-level: its partitions; single-level: 0
  uint64_t meta_size = 0;        // the stored meta block, trailer included

  uint64_t filter_offset() const { return data_size; }
  uint64_t partitions_offset() const { return data_size + filter_size; }
  uint64_t meta_offset() const { return partitions_offset() + partitions_size; }
  uint64_t table_size() const { return meta_offset() + meta_size + kFooterSize; }

  std::string Encode() const;
  // Decodes the last kFooterSize bytes of a table that is `table_size` bytes long.
  // Corruption naming what is wrong; NotSupported naming the version for another version.
  static Result<Footer> Decode(std::string_view bytes, uint64_t table_size);
};

// Prepares `contents` to be stored: *body is the contents, or (when compression saves at
// least 1/8) the compressed form with its size prefix in *scratch; *trailer gets the type
// and checksum. The block is *body followed by *trailer.
Status PrepareStoredBlock(std::string_view contents, Compressor* compressor, std::string* scratch,
                          std::string_view* body, char trailer[kBlockTrailerSize]);

// Checks a stored block's checksum; gives its compression and its body (the contents, or
// the compressed form with its size prefix).
Status CheckStoredBlock(std::string_view stored, std::string_view what, CompressionType* type,
                        std::string_view* body);
// Decompresses a checked body into *contents.
Status DecompressBody(CompressionType type, std::string_view body, std::string_view what,
                      Decompressor& decompressor, std::string* contents);

// Checks a stored block's checksum, then decompresses it into *contents (an uncompressed
// block is moved, not copied). `what` names the block in messages.
Status DecodeStoredBlock(std::string&& stored, std::string_view what, Decompressor& decompressor,
                         std::string* contents);

}  // namespace basin::table

#endif  // BASIN_TABLE_TABLE_FORMAT_H_
