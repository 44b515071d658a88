// Checks and decodes one block of a record log: its trailer against what the index (or a
// scan) expects, its compressed record, and every content record's CRC and placement.
#ifndef BASIN_LOG_BLOCK_DECODER_H_
#define BASIN_LOG_BLOCK_DECODER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "basin/compression.h"
#include "basin/status.h"
#include "log/log_format.h"

namespace basin::log {

struct DecodedBlock {
  struct Rec {
    uint8_t type;
    uint32_t offset;  // of the payload, in content
    uint32_t size;
  };
  BlockInfo info;
  std::string buffer;            // holds the content (decompressed, or the stored bytes)
  std::string_view content;      // the content records, no trailer
  std::vector<Rec> records;      // content records in order, fragments included
  std::vector<uint32_t> starts;  // indexes into records of the ones that start a record

  std::string_view payload(const Rec& r) const { return content.substr(r.offset, r.size); }
  size_t charge() const { return buffer.size() + records.size() * sizeof(Rec) + 64; }
};

// Decodes `stored`, the bytes of the block `expect` describes: content and trailer, or
// content alone when has_trailer is false (the cut-short last block of an unsealed log).
// Corruption naming the block and the offset on any mismatch.
Status DecodeBlock(std::string stored, const BlockInfo& expect, bool has_trailer,
                   uint32_t block_size, Decompressor& decompressor, DecodedBlock* out);

// Parses a sequence of content records into out->records/starts (used by DecodeBlock and
// by the scanner). `base` is the file offset of content[0], for messages; offsets inside a
// compressed block are reported at the block's offset.
Status ParseContent(std::string_view content, uint64_t base, uint64_t block_number,
                    DecodedBlock* out);

// Parses the compact records of a decompressed block into out->records/starts.
Status ParseCompact(std::string_view content, uint64_t block_offset, uint64_t block_number,
                    DecodedBlock* out);

// Decompresses the payload of a `compressed` record into *out, bounded by block_size.
Status DecompressBlock(std::string_view payload, uint64_t block_offset, uint32_t block_size,
                       Decompressor& decompressor, std::string* out);

}  // namespace basin::log

#endif  // BASIN_LOG_BLOCK_DECODER_H_
