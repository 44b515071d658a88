// The record log (docs/format/log.md): append-only files of records with sequential entry
// ids and 64-bit addresses, in blocks that end in a trailer, with a sparse index and a
// footer. This header holds what the writer, reader and recovery share: options,
// addresses, and the description of a log that `inspect` prints.
#ifndef BASIN_LOG_H_
#define BASIN_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basin/block_cache.h"
#include "basin/compression.h"
#include "basin/status.h"

namespace basin {

// Where a log's blocks live.
enum class LogLayout : uint8_t {
  kSingleObject,    // one object appended in place (the default on a local disk)
  kObjectPerBlock,  // KEY/b<number> per block and KEY/footer (for S3-like stores)
};

// What recovery does with damage (see docs/format/log.md, "Recovery").
enum class RecoveryMode : uint8_t {
  kStrict,       // refuse any damage
  kPointInTime,  // keep everything before the first damage, cut the rest
  kSkipDamaged,  // drop only damaged blocks
};
std::string_view RecoveryModeName(RecoveryMode mode);  // "strict", "point-in-time", ...
Result<RecoveryMode> ParseRecoveryMode(std::string_view name);

struct LogOptions {
  // Largest block, records and trailer, before compression: 1 KiB to 1 GiB. Used when a
  // log is created; an existing log keeps its own.
  uint32_t block_size = uint32_t{2} << 20;
  CompressionOptions compression;  // per block; none by default
  // Used when a log is created; an existing log keeps its own layout.
  LogLayout layout = LogLayout::kSingleObject;
  uint64_t first_entry = 0;  // entry id of a new log's first record
  // How a writer repairs a log that was not closed (its writer died) before appending;
  // what it did is reported by RecordWriter::recovery().
  RecoveryMode recovery = RecoveryMode::kPointInTime;
  // Readers: a cache shared by readers (optional).
  std::shared_ptr<BlockCache> block_cache;
};

// 64-bit record addresses. In a block file: [block number: 50][record index: 14]. In a
// segment directory: [segment: 16][block number: 34][record index: 14]. In a basic file:
// the byte offset of the record. The index (always in a reader's memory) maps the block
// number to the block's place, so a seek by address is one read.
struct LogAddress {
  uint32_t segment = 0;
  uint64_t block = 0;  // block number
  uint32_t record_index = 0;

  uint64_t PackFile() const;
  uint64_t PackSegment() const;
  static LogAddress UnpackFile(uint64_t address);
  static LogAddress UnpackSegment(uint64_t address);
};

// One block, as the index or its trailer describes it.
struct LogBlock {
  uint64_t number = 0;
  uint64_t offset = 0;
  uint64_t stored_size = 0;  // trailer included
  uint64_t first_entry = 0;
  uint32_t records = 0;  // records that start in the block
  bool compressed = false;
  bool continues = false;   // begins inside a record
  bool has_trailer = true;  // false for the last block of an unsealed log, cut short
};

// What a log holds, from its header, index and footer (or what recovery would keep).
struct LogInfo {
  LogLayout layout = LogLayout::kSingleObject;
  // False for an object shorter than a header (0 to 52 bytes): a log whose writer died
  // before its header was whole. It holds no records; the next writer makes it a log.
  bool has_header = true;
  bool sealed = false;          // has a valid tail that matches its blocks
  bool holes = false;           // recovery dropped damaged blocks
  uint16_t format_version = 0;  // of the header (1)
  uint32_t footer_size = 0;     // bytes of the footer record that ends a sealed log (97)
  uint32_t block_size = 0;
  CompressionType compression = CompressionType::kNone;
  uint32_t segment = 0;
  uint64_t first_entry = 0;
  uint64_t next_entry = 0;    // the id the next append gets
  uint64_t record_count = 0;  // records that start in the blocks
  uint64_t size = 0;          // bytes, all objects together
  uint64_t index_offset = 0;  // where the tail starts (or would)
  std::string metadata;       // the user's metadata bytes
  std::vector<LogBlock> blocks;
};

// What is stored at a key.
enum class RecordFileKind : uint8_t {
  kEmpty,             // an object of 0 to 52 bytes that starts like a log header: a log
                      // whose writer died before its header was whole; empty to readers
  kBlockFile,         // a block file: one object, or KEY/b<number> objects
  kBasicFile,         // a basic record file
  kSegmentDirectory,  // KEY/00000000, KEY/00000001, ...
};

// What recovery found and did (RecoverLog), or what opening a writer repaired before its
// first append (RecordWriter::recovery()).
struct RecoveryReport {
  RecordFileKind kind = RecordFileKind::kBlockFile;  // of what was recovered
  RecoveryMode mode = RecoveryMode::kPointInTime;
  bool was_sealed = false;  // sealed and whole: nothing needed doing
  bool changed = false;     // the store was written to
  // Every block's contents were read and checked, as LogReader::Verify does. False only
  // for point-in-time recovery of an object-per-block log that was not sealed: a crash
  // leaves block objects whole or absent, so their trailers say where it stopped.
  bool contents_checked = true;
  uint64_t blocks_kept = 0;
  uint64_t records_kept = 0;     // records that start in the kept blocks
  uint64_t bytes_cut = 0;        // bytes cut from the end (single object)
  uint64_t objects_deleted = 0;  // block objects deleted (object per block)
  bool emptied = false;          // a torn header was cut away: the log is now empty
  // What was found and not kept, one line each, with offsets (and, in a segment
  // directory, the segment's key).
  std::vector<std::string> damage;
  std::string ToString() const;  // a few lines for people
};

}  // namespace basin

#endif  // BASIN_LOG_H_
