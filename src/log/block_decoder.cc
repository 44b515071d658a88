#include "log/block_decoder.h"

#include <fmt/format.h>

#include "basin/coding.h"

namespace basin::log {

namespace {

// Adds a content record, checking where fragments may stand: a continuation (middle or
// last) only first in a block, nothing after a first fragment.
Status AddContentRecord(uint8_t t, size_t payload_offset, size_t size, uint64_t at,
                        uint64_t block_number, DecodedBlock* out) {
  if (!StartsRecord(t) && !out->records.empty()) {
    return Status::Corruption(fmt::format(
        "block {}: a continuation fragment at offset {} is not the block's first record",
        block_number, at));
  }
  if (!out->records.empty() &&
      out->records.back().type == static_cast<uint8_t>(RecordType::kFirst)) {
    return Status::Corruption(
        fmt::format("block {}: a record follows a first fragment at offset {}", block_number, at));
  }
  if (StartsRecord(t)) out->starts.push_back(static_cast<uint32_t>(out->records.size()));
  out->records.push_back({t, static_cast<uint32_t>(payload_offset), static_cast<uint32_t>(size)});
  return Status::OK();
}

}  // namespace

Status ParseContent(std::string_view content, uint64_t base, uint64_t block_number,
                    DecodedBlock* out) {
  out->records.clear();
  out->starts.clear();
  size_t off = 0;
  while (off < content.size()) {
    RecordView r;
    BASIN_RETURN_IF_ERROR(ParseRecord(content.substr(off), base + off, &r));
    if (IsContent(r.type)) {
      BASIN_RETURN_IF_ERROR(AddContentRecord(r.type, off + kRecordHeaderSize, r.payload.size(),
                                             base + off, block_number, out));
    } else if ((r.type & kSafeToIgnoreMask) == 0) {
      return Status::Corruption(fmt::format("block {}: unexpected record type {:#04x} at offset {}",
                                            block_number, r.type, base + off));
    }
    off += r.size();
  }
  return Status::OK();
}

Status ParseCompact(std::string_view content, uint64_t block_offset, uint64_t block_number,
                    DecodedBlock* out) {
  out->records.clear();
  out->starts.clear();
  std::string_view in = content;
  while (!in.empty()) {
    const size_t at = content.size() - in.size();
    const uint8_t t = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    uint64_t len = 0;
    if (!GetVarint64(&in, &len) || len > in.size()) {
      return Status::Corruption(
          fmt::format("compressed block {} at offset {}: record {} is cut off", block_number,
                      block_offset, out->records.size()));
    }
    if (IsContent(t)) {
      BASIN_RETURN_IF_ERROR(AddContentRecord(t, content.size() - in.size(), len, block_offset + at,
                                             block_number, out));
    } else if ((t & kSafeToIgnoreMask) == 0) {
      return Status::Corruption(fmt::format("compressed block {} at offset {}: record type {:#04x}",
                                            block_number, block_offset, t));
    }
    in.remove_prefix(len);
  }
  return Status::OK();
}

Status DecompressBlock(std::string_view payload, uint64_t block_offset, uint32_t block_size,
                       Decompressor& decompressor, std::string* out) {
  if (payload.empty() || !IsKnownCompression(static_cast<uint8_t>(payload[0]))) {
    return Status::Corruption(
        fmt::format("compressed block at offset {}: bad compression type", block_offset));
  }
  const auto type = static_cast<CompressionType>(payload[0]);
  payload.remove_prefix(1);
  uint64_t size = 0;
  if (!GetVarint64(&payload, &size) || size + kTrailerSize + kPackedOverhead > block_size) {
    return Status::Corruption(
        fmt::format("compressed block at offset {}: bad or oversized content size", block_offset));
  }
  out->clear();
  return decompressor.Decompress(type, payload, size, out)
      .WithContext(fmt::format("compressed block at offset {}", block_offset));
}

Status DecodeBlock(std::string stored, const BlockInfo& expect, bool has_trailer,
                   uint32_t block_size, Decompressor& decompressor, DecodedBlock* out) {
  const uint64_t want = expect.content_size + (has_trailer ? kTrailerSize : 0);
  if (stored.size() != want) {
    return Status::Corruption(fmt::format("block {} at offset {}: read {} bytes, expected {}",
                                          expect.block_number, expect.block_offset, stored.size(),
                                          want));
  }
  if (has_trailer) {
    RecordView t;
    const std::string_view tail = std::string_view(stored).substr(expect.content_size);
    BASIN_RETURN_IF_ERROR(ParseRecord(tail, expect.block_offset + expect.content_size, &t));
    BlockInfo found;
    if (t.type != static_cast<uint8_t>(RecordType::kTrailer)) {
      return Status::Corruption(fmt::format("block {} at offset {}: no trailer at its end",
                                            expect.block_number, expect.block_offset));
    }
    BASIN_RETURN_IF_ERROR(DecodeBlockInfo(t.payload, &found));
    if (!(found == expect)) {
      return Status::Corruption(
          fmt::format("block {} at offset {}: its trailer does not match the index",
                      expect.block_number, expect.block_offset));
    }
  }
  out->info = expect;
  if (expect.compressed()) {
    RecordView c;
    const std::string_view content = std::string_view(stored).substr(0, expect.content_size);
    BASIN_RETURN_IF_ERROR(ParseRecord(content, expect.block_offset, &c));
    if (c.type != static_cast<uint8_t>(RecordType::kCompressed) || c.size() != content.size()) {
      return Status::Corruption(fmt::format("block {} at offset {}: not one compressed record",
                                            expect.block_number, expect.block_offset));
    }
    std::string plain;
    BASIN_RETURN_IF_ERROR(
        DecompressBlock(c.payload, expect.block_offset, block_size, decompressor, &plain));
    out->buffer = std::move(plain);
    out->content = out->buffer;
  } else {
    if (expect.content_size + kTrailerSize > block_size) {
      return Status::Corruption(fmt::format("block {} at offset {}: larger than the block size",
                                            expect.block_number, expect.block_offset));
    }
    out->buffer = std::move(stored);
    out->content = std::string_view(out->buffer).substr(0, expect.content_size);
  }
  if (expect.compressed()) {
    BASIN_RETURN_IF_ERROR(
        ParseCompact(out->content, expect.block_offset, expect.block_number, out));
  } else {
    BASIN_RETURN_IF_ERROR(
        ParseContent(out->content, expect.block_offset, expect.block_number, out));
  }
  const bool continues = !out->records.empty() && !StartsRecord(out->records[0].type);
  if (out->starts.size() != expect.record_count ||
      continues != ((expect.flags & kBlockContinues) != 0)) {
    return Status::Corruption(fmt::format(
        "block {} at offset {}: holds {} records, its trailer says {}", expect.block_number,
        expect.block_offset, out->starts.size(), expect.record_count));
  }
  return Status::OK();
}

}  // namespace basin::log
