// The sorted table's on-disk constants and small structures. FROZEN: the v1 format of
// docs/format/table.md; change only with a new format version.
#ifndef BASIN_TABLE_TABLE_FORMAT_H_
#define BASIN_TABLE_TABLE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "basin/compression.h"
#include "basin/status.h"

namespace basin::table {

inline constexpr std::string_view kMagic = "basintbl";
inline constexpr uint32_t kFormatVersion = 1;

// Stored block: [contents][type: u8][xxh3-64 of contents and type: u64].
inline constexpr size_t kBlockTrailerSize = 1 + 8;

// Footer: meta handle, filter handle, version, checksum, magic.
inline constexpr size_t kFooterSize = 8 + 8 + 8 + 8 + 4 + 4 + 8;  // 48

inline constexpr uint8_t kPropertiesVersion = 1;
inline constexpr uint8_t kFilterNone = 0;
inline constexpr uint8_t kFilterBloom = 1;
inline constexpr size_t kBloomLineBytes = 64;
inline constexpr size_t kFilterSuffixSize = 4 + 1 + 1;  // lines, probes, kind

// Format limits (seed 002): u16 keys, u32 values.
inline constexpr uint64_t kMaxKeySize = 65535;
inline constexpr uint64_t kMaxValueSize = 0xffffffffull;

// Where a stored block is: offset and size (trailer included).
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  void EncodeTo(std::string* dst) const;
  // Consumes two varints from *in.
  bool DecodeFrom(std::string_view* in);
};

struct Footer {
  BlockHandle meta;
  BlockHandle filter;  // size 0: no filter
  std::string Encode() const;
  // Corruption (or NotSupported for another version) naming what is wrong.
  static Result<Footer> Decode(std::string_view bytes, uint64_t file_size);
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
