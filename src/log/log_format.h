// The record log's on-disk constants and fixed-size structures. FROZEN: these values are
// the v1 format of docs/format/log.md; change them only with a new format version.
#ifndef BASIN_LOG_LOG_FORMAT_H_
#define BASIN_LOG_LOG_FORMAT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "basin/compression.h"
#include "basin/status.h"

namespace basin::log {

inline constexpr std::string_view kMagic = "basinlog";
inline constexpr uint16_t kFormatVersion = 1;

// Physical record: [masked crc32c: u32][type: u8][length: u32][payload].
inline constexpr size_t kRecordHeaderSize = 4 + 1 + 4;

enum class RecordType : uint8_t {
  kHeader = 0x01,
  kFull = 0x02,
  kFirst = 0x03,
  kMiddle = 0x04,
  kLast = 0x05,
  kCompressed = 0x06,
  kTrailer = 0x07,
  kIndex = 0x08,
  kMetadata = 0x09,
  kFooter = 0x0a,
};
// Types with this bit set may be skipped by readers that do not know them.
inline constexpr uint8_t kSafeToIgnoreMask = 0x80;

enum class FileKind : uint8_t { kBlockFile = 1, kBasicFile = 2 };

inline constexpr size_t kFileIdSize = 16;
using FileId = std::array<uint8_t, kFileIdSize>;

// File header payload: magic, version, kind, compression, block_size, segment,
// first_entry, file_id.
inline constexpr size_t kHeaderPayloadSize = 8 + 2 + 1 + 1 + 4 + 4 + 8 + kFileIdSize;
inline constexpr size_t kHeaderRecordSize = kRecordHeaderSize + kHeaderPayloadSize;  // 53

// Block info (trailer and index) payload: block_number, block_offset, content_size,
// first_entry, record_count, flags.
inline constexpr size_t kBlockInfoPayloadSize = 8 + 8 + 4 + 8 + 4 + 1;
inline constexpr size_t kTrailerSize = kRecordHeaderSize + kBlockInfoPayloadSize;  // 42
inline constexpr uint8_t kBlockContinues = 0x01;   // begins inside a record
inline constexpr uint8_t kBlockCompressed = 0x02;  // content is one compressed record

// Inside a compressed block, records are compact: [type: u8][length: varint][payload]; the
// compressed record's CRC covers them. Its own header and codec prefix take at most:
inline constexpr size_t kPackedOverhead = kRecordHeaderSize + 1 + 10;  // header, codec, size

// Footer payload: magic, version, flags, reserved, index_offset, block_count,
// record_count, first_entry, next_entry, block_bytes, metadata_size, file_id.
inline constexpr size_t kFooterPayloadSize = 8 + 2 + 2 + 4 + 8 * 7 + kFileIdSize;
inline constexpr size_t kFooterSize = kRecordHeaderSize + kFooterPayloadSize;  // 97
inline constexpr uint16_t kFooterHoles = 0x0001;

// Block sizes (content and trailer, before compression).
inline constexpr uint32_t kMinBlockSize = 1024;
inline constexpr uint32_t kMaxBlockSize = uint32_t{1} << 30;
inline constexpr uint32_t kDefaultBlockSize = uint32_t{2} << 20;

// Addresses (docs/format/log.md): [block_number: 50][record_index: 14] in a block file,
// [segment: 16][block_number: 34][record_index: 14] in a segment directory.
inline constexpr int kRecordIndexBits = 14;
inline constexpr uint32_t kMaxRecordsPerBlock = uint32_t{1} << kRecordIndexBits;
inline constexpr int kSegmentBits = 16;
inline constexpr int kFileBlockBits = 64 - kRecordIndexBits;                    // 50
inline constexpr int kSegmentBlockBits = 64 - kSegmentBits - kRecordIndexBits;  // 34

struct FileHeader {
  FileKind kind = FileKind::kBlockFile;
  CompressionType compression = CompressionType::kNone;
  uint32_t block_size = kDefaultBlockSize;
  uint32_t segment = 0;
  uint64_t first_entry = 0;
  FileId file_id{};
};

struct BlockInfo {
  uint64_t block_number = 0;
  uint64_t block_offset = 0;
  uint32_t content_size = 0;
  uint64_t first_entry = 0;
  uint32_t record_count = 0;
  uint8_t flags = 0;

  uint64_t end() const { return block_offset + content_size + kTrailerSize; }
  bool compressed() const { return (flags & kBlockCompressed) != 0; }
  bool operator==(const BlockInfo&) const = default;
};

struct Footer {
  uint16_t flags = 0;
  uint64_t index_offset = 0;
  uint64_t block_count = 0;
  uint64_t record_count = 0;
  uint64_t first_entry = 0;
  uint64_t next_entry = 0;
  uint64_t block_bytes = 0;
  uint64_t metadata_size = 0;
  FileId file_id{};
};

// Appends one compact record (inside a compressed block) to *dst.
void AppendCompact(std::string* dst, RecordType type, std::string_view payload);

// Appends one physical record to *dst.
void AppendRecord(std::string* dst, RecordType type, std::string_view payload);
// Writes the 9-byte header of a record whose payload is `payload` at dst.
void EncodeRecordHeader(char* dst, RecordType type, std::string_view payload);

// A physical record parsed from a buffer.
struct RecordView {
  uint8_t type = 0;
  std::string_view payload;
  uint64_t offset = 0;  // of its header, in the file
  size_t size() const { return kRecordHeaderSize + payload.size(); }
};

// Parses the record at the start of `in` (which starts at file offset `offset`).
// Corruption naming the offset when the header is cut off, the length runs past `in`, or
// the CRC does not match.
Status ParseRecord(std::string_view in, uint64_t offset, RecordView* out);

// True when `in`, shorter than a header record (0 to 52 bytes), agrees with a header in
// every byte that can be checked without the rest (type, length, magic, version, kind,
// compression, block size): a header whose writer died while appending it.
bool IsHeaderPrefix(std::string_view in);

std::string EncodeHeader(const FileHeader& h);
std::string EncodeBlockInfo(const BlockInfo& b);
std::string EncodeFooter(const Footer& f);
// The decoders check sizes, magic, version and enumerations; Corruption on anything off.
Status DecodeHeader(std::string_view payload, FileHeader* h);
Status DecodeBlockInfo(std::string_view payload, BlockInfo* b);
Status DecodeFooter(std::string_view payload, Footer* f);

// True for content record types (full, first, middle, last).
inline bool IsContent(uint8_t t) {
  return t >= static_cast<uint8_t>(RecordType::kFull) &&
         t <= static_cast<uint8_t>(RecordType::kLast);
}
// True for types that begin a user record (full, first).
inline bool StartsRecord(uint8_t t) {
  return t == static_cast<uint8_t>(RecordType::kFull) ||
         t == static_cast<uint8_t>(RecordType::kFirst);
}

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_FORMAT_H_
