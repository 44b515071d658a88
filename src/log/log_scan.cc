// Loading a single-object log that is not sealed (or is being checked): the scan reads
// every byte and checks every record. Rules: docs/format/log.md, "Recovery".
#include <optional>

#include <fmt/format.h>

#include "log/block_decoder.h"
#include "log/log_file.h"

namespace basin::log {
namespace {

constexpr size_t kResyncWindow = 1 << 20;

// What scanning one block found.
struct BlockScan {
  // kOpen: the object ends after whole records of a block whose trailer is not written yet
  // (a writer flushed them and did not close the log): nothing is lost, nothing damaged.
  enum Outcome { kBlock, kTail, kOpen, kDamaged } outcome = kDamaged;
  BlockInfo info;            // kBlock: the block; kDamaged: its whole records (if any)
  bool has_partial = false;  // kDamaged: info holds whole records before the damage
  uint64_t damage_offset = 0;
  std::string message;
};

class BlockScanner {
 public:
  BlockScanner(uint32_t block_size, Decompressor& d) : block_size_(block_size), decompressor_(d) {}

  // Scans the block expected at `pos` (block `number`, first entry `entry`); `buf` holds
  // the bytes from pos on, at most a block's worth; `at_end`: they reach the object's end.
  BlockScan Scan(std::string_view buf, uint64_t pos, uint64_t number, uint64_t entry, bool at_end) {
    pos_ = pos;
    at_end_ = at_end;
    expect_ = BlockInfo{number, pos, 0, entry, 0, 0};
    RecordView r;
    if (Status s = ParseRecord(buf, pos, &r); !s.ok()) return Damaged(pos, s.message(), 0);
    switch (static_cast<RecordType>(r.type)) {
      case RecordType::kIndex:
      case RecordType::kMetadata:
      case RecordType::kFooter: {
        BlockScan out;
        out.outcome = BlockScan::kTail;
        return out;
      }
      case RecordType::kCompressed:
        return ScanCompressed(buf, r);
      default:
        return ScanPlain(buf);
    }
  }

 private:
  BlockScan Damaged(uint64_t at, std::string msg, uint64_t whole_bytes) {
    BlockScan out;
    out.outcome = BlockScan::kDamaged;
    out.damage_offset = at;
    out.message = std::move(msg);
    if (whole_bytes > 0) {
      out.has_partial = true;
      out.info = expect_;
      out.info.content_size = static_cast<uint32_t>(whole_bytes);
    }
    return out;
  }

  BlockScan CheckTrailer(std::string_view buf, uint64_t off, uint64_t whole_bytes) {
    RecordView t;
    if (Status s = ParseRecord(buf.substr(off), pos_ + off, &t); !s.ok()) {
      return Damaged(pos_ + off, s.message(), whole_bytes);
    }
    BlockInfo found;
    expect_.content_size = static_cast<uint32_t>(off);
    if (t.type != static_cast<uint8_t>(RecordType::kTrailer) ||
        !DecodeBlockInfo(t.payload, &found).ok() || !(found == expect_)) {
      return Damaged(
          pos_ + off,
          fmt::format("block {} at offset {}: its trailer is missing or does not match "
                      "the block (trailer: {} records from entry {}, {} bytes, flags {}; "
                      "found: {} records from entry {}, {} bytes, flags {})",
                      expect_.block_number, pos_, found.record_count, found.first_entry,
                      found.content_size, found.flags, expect_.record_count, expect_.first_entry,
                      expect_.content_size, expect_.flags),
          whole_bytes);
    }
    BlockScan out;
    out.outcome = BlockScan::kBlock;
    out.info = found;
    return out;
  }

  BlockScan ScanCompressed(std::string_view buf, const RecordView& r) {
    std::string plain;
    DecodedBlock parsed;
    Status s = DecompressBlock(r.payload, pos_, block_size_, decompressor_, &plain);
    if (s.ok()) s = ParseCompact(plain, pos_, expect_.block_number, &parsed);
    if (!s.ok()) return Damaged(pos_, s.message(), 0);
    expect_.record_count = static_cast<uint32_t>(parsed.starts.size());
    expect_.flags = kBlockCompressed;
    if (!parsed.records.empty() && !StartsRecord(parsed.records[0].type)) {
      expect_.flags |= kBlockContinues;
    }
    // A compressed block is kept whole or not at all.
    return CheckTrailer(buf, r.size(), 0);
  }

  BlockScan ScanPlain(std::string_view buf) {
    uint64_t off = 0;
    uint8_t last = 0;
    while (true) {
      if (off == buf.size() && at_end_ && off > 0) {
        BlockScan out = Damaged(pos_ + off, "", off);
        out.outcome = BlockScan::kOpen;
        return out;
      }
      if (off == buf.size()) {
        return Damaged(pos_ + off,
                       fmt::format("the log ends inside block {} (offset {}) before its trailer",
                                   expect_.block_number, pos_),
                       off);
      }
      RecordView r;
      if (Status s = ParseRecord(buf.substr(off), pos_ + off, &r); !s.ok()) {
        return Damaged(pos_ + off, s.message(), off);
      }
      const uint8_t t = r.type;
      if (t == static_cast<uint8_t>(RecordType::kTrailer)) return CheckTrailer(buf, off, off);
      if (IsContent(t)) {
        const bool continuation = !StartsRecord(t);
        if ((continuation && off != 0) || last == static_cast<uint8_t>(RecordType::kFirst)) {
          return Damaged(pos_ + off, fmt::format("misplaced fragment at offset {}", pos_ + off),
                         off);
        }
        if (continuation) expect_.flags |= kBlockContinues;
        if (StartsRecord(t)) ++expect_.record_count;
        last = t;
      } else if ((t & kSafeToIgnoreMask) == 0) {
        return Damaged(pos_ + off,
                       fmt::format("unexpected record type {:#04x} at offset {}", t, pos_ + off),
                       off);
      }
      if (off + r.size() + kTrailerSize > block_size_) {
        return Damaged(pos_ + off,
                       fmt::format("block {} at offset {} grows past the block size",
                                   expect_.block_number, pos_),
                       off);
      }
      off += r.size();
    }
  }

  const uint32_t block_size_;
  Decompressor& decompressor_;
  uint64_t pos_ = 0;
  bool at_end_ = false;
  BlockInfo expect_;  // what the block's trailer must say, filled in as records are seen
};

// After damage: the first valid trailer at or after `from` that closes a block starting at
// or after `block_start`.
Result<std::optional<std::pair<uint64_t, BlockInfo>>> FindNextTrailer(ObjectStore& store,
                                                                      const std::string& key,
                                                                      uint64_t size, uint64_t from,
                                                                      uint64_t block_start) {
  std::string buf;
  for (uint64_t start = from; start + kTrailerSize <= size;
       start += kResyncWindow - kTrailerSize + 1) {
    const uint64_t len = std::min<uint64_t>(kResyncWindow, size - start);
    BASIN_RETURN_IF_ERROR(store.Get(key, ByteRange::Span(start, len), &buf));
    for (size_t i = 0; i + kTrailerSize <= buf.size(); ++i) {
      // Cheap filter first: the type byte and the fixed length of a trailer.
      if (static_cast<uint8_t>(buf[i + 4]) != static_cast<uint8_t>(RecordType::kTrailer) ||
          buf[i + 5] != static_cast<char>(kBlockInfoPayloadSize) || buf[i + 6] != 0 ||
          buf[i + 7] != 0 || buf[i + 8] != 0) {
        continue;
      }
      RecordView r;
      BlockInfo b;
      if (!ParseRecord(std::string_view(buf).substr(i, kTrailerSize), start + i, &r).ok() ||
          !DecodeBlockInfo(r.payload, &b).ok()) {
        continue;
      }
      if (b.block_offset >= block_start && b.block_offset + b.content_size == start + i) {
        return std::optional<std::pair<uint64_t, BlockInfo>>({start + i, b});
      }
    }
    if (start + len >= size) break;
  }
  return std::optional<std::pair<uint64_t, BlockInfo>>();
}

// Scans from `pos`, where block `number` with first entry `entry` is expected.
Status ScanFrom(ObjectStore& store, const std::string& key, RecoveryMode mode, LogState* st,
                uint64_t pos, uint64_t number, uint64_t entry) {
  const uint64_t size = st->size;
  Decompressor decompressor;
  BlockScanner scanner(st->header.block_size, decompressor);
  st->end = pos;
  std::string buf;
  while (pos < size) {
    const uint64_t len = std::min<uint64_t>(size - pos, st->header.block_size);
    BASIN_RETURN_IF_ERROR(store.Get(key, ByteRange::Span(pos, len), &buf));
    BlockScan r = scanner.Scan(buf, pos, number, entry, pos + len == size);
    if (r.outcome == BlockScan::kOpen) {  // whole records, no trailer yet: a clean end
      st->blocks.push_back(r.info);
      st->last_partial = true;
      st->end = r.info.block_offset + r.info.content_size;
      return Status::OK();
    }
    if (r.outcome == BlockScan::kBlock) {
      st->blocks.push_back(r.info);
      pos = st->end = r.info.end();
      number = r.info.block_number + 1;
      entry = r.info.first_entry + r.info.record_count;
      continue;
    }
    if (r.outcome == BlockScan::kTail) {
      BASIN_RETURN_IF_ERROR(store.Get(key, ByteRange::Span(pos, size - pos), &buf));
      Status t = ParseTail(buf, pos, /*take_blocks=*/false, st);
      if (t.ok()) {
        st->sealed = st->damage.empty() && !st->holes;
        return Status::OK();
      }
      if (!st->damage.empty()) return Status::OK();  // a stale tail, after dropped blocks
      r.damage_offset = pos;
      r.message = "the tail does not match the blocks: " + t.message();
    }
    // Damage at r.damage_offset.
    if (mode == RecoveryMode::kStrict) {
      return Status::Corruption(
          fmt::format("'{}' is damaged at offset {}: {}", key, r.damage_offset, r.message));
    }
    st->damage.push_back({r.damage_offset, r.message});
    if (mode == RecoveryMode::kSkipDamaged && r.outcome != BlockScan::kTail) {
      BASIN_ASSIGN_OR_RETURN(auto next,
                             FindNextTrailer(store, key, size, r.damage_offset + 1, pos));
      if (next.has_value()) {
        const auto& [at, info] = *next;
        st->holes = true;
        if (info.block_offset > pos) {  // a later block: scan it from its start
          pos = info.block_offset;
          number = info.block_number;
          entry = info.first_entry;
        } else {  // the damaged block's own trailer: skip the block
          pos = at + kTrailerSize;
          number = info.block_number + 1;
          entry = info.first_entry + info.record_count;
        }
        continue;
      }
    }
    // Point in time (or nothing good follows): keep the whole records before the damage.
    if (r.has_partial) {
      st->blocks.push_back(r.info);
      st->last_partial = true;
      st->end = r.info.block_offset + r.info.content_size;
    }
    return Status::OK();
  }
  return Status::OK();  // ends at a block boundary, without a tail
}

}  // namespace

Status ScanSingleObject(ObjectStore& store, const std::string& key, RecoveryMode mode,
                        LogState* st) {
  if (st->size < kHeaderRecordSize) {
    return Status::Corruption(fmt::format("'{}' holds {} bytes, less than a log header ({})", key,
                                          st->size, kHeaderRecordSize));
  }
  BASIN_RETURN_IF_ERROR(ReadBlockFileHeader(store, key, &st->header).WithContext(key));
  return ScanFrom(store, key, mode, st, kHeaderRecordSize, 0, st->header.first_entry);
}

Status RescanSingleObjectFrom(ObjectStore& store, const std::string& key, RecoveryMode mode,
                              size_t keep, LogState* st) {
  const BlockInfo from = st->blocks[keep];
  st->blocks.resize(keep);
  st->sealed = false;
  st->last_partial = false;
  return ScanFrom(store, key, mode, st, from.block_offset, from.block_number, from.first_entry);
}

}  // namespace basin::log
