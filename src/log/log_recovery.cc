// Repair of record logs: find what the mode keeps, then write it back. A single object is
// read from the start (log_scan.cc), cut after the last kept record (a cut-short block is
// closed with a trailer) and given a new tail. An object-per-block log is known from its
// trailers (block_objects.cc) and, unless this is point-in-time recovery after a crash, from
// its blocks read whole; objects not kept are deleted and a new footer object written. A
// basic file is cut at its first damage; a directory is recovered segment by segment.
#include "basin/log_recovery.h"

#include <algorithm>

#include <fmt/format.h>

#include "basin/basic_record_file.h"
#include "basin/log_directory.h"
#include "basin/record_file.h"
#include "log/basic_recovery.h"
#include "log/block_decoder.h"
#include "log/log_file.h"
#include "log/log_format.h"
#include "util/parallel.h"

namespace basin {

std::string RecoveryReport::ToString() const {
  const bool basic = kind == RecordFileKind::kBasicFile;
  const std::string kept = basic ? fmt::format("{} records", records_kept)
                                 : fmt::format("{} blocks, {} records", blocks_kept, records_kept);
  if (was_sealed) {
    return fmt::format("the log is {}whole: nothing to do ({})\n", basic ? "" : "sealed and ",
                       kept);
  }
  if (!changed && damage.empty() && records_kept == 0 && blocks_kept == 0) {
    return "the log is empty: nothing to do\n";
  }
  std::string out;
  for (const std::string& d : damage) out += "damage: " + d + "\n";
  if (emptied) {
    return out + fmt::format("{}: cut the torn header ({} bytes): the log is now empty\n",
                             RecoveryModeName(mode), bytes_cut);
  }
  out += fmt::format("{}: kept {}", RecoveryModeName(mode), kept);
  if (bytes_cut > 0) out += fmt::format("; cut {} bytes from the end", bytes_cut);
  if (objects_deleted > 0) out += fmt::format("; deleted {} block objects", objects_deleted);
  out += changed && !basic ? "; wrote a new tail\n" : "\n";
  if (!contents_checked) {
    out +=
        "block contents were not read (a crash leaves block objects whole): 'basin log verify' "
        "or skip-damaged recovery reads them\n";
  }
  return out;
}

namespace {

Status RepairSingle(ObjectStore& store, const std::string& key, log::LogState& st,
                    RecoveryReport* report) {
  using namespace basin::log;
  BASIN_ASSIGN_OR_RETURN(auto file, store.OpenAppendable(key));
  if (file->size() != st.size) {
    return Status::IOError(fmt::format("'{}' changed during recovery", key));
  }
  report->bytes_cut = st.size - st.end;
  BASIN_RETURN_IF_ERROR(file->Truncate(st.end));
  if (!st.has_header) {  // a torn header: now an empty log
    report->emptied = true;
    return file->Sync();
  }
  if (st.last_partial) {  // close the cut-short block with its trailer
    std::string trailer;
    AppendRecord(&trailer, RecordType::kTrailer, EncodeBlockInfo(st.blocks.back()));
    BASIN_RETURN_IF_ERROR(file->Append(trailer));
    st.end += kTrailerSize;
    st.last_partial = false;
  }
  BASIN_RETURN_IF_ERROR(file->Append(EncodeTail(st)));
  return file->Sync();
}

Status RepairObjects(ObjectStore& store, const std::string& key, log::LogState& st,
                     RecoveryReport* report) {
  std::vector<std::string> doomed;
  for (uint64_t n : st.dropped_objects) {
    if (n == 0 && st.rewrite_block0) continue;
    doomed.push_back(log::BlockObjectName(key, n));
  }
  if (!doomed.empty()) {
    // The old footer first: should this stop half-way, no footer describes blocks that
    // are gone.
    BASIN_RETURN_IF_ERROR(store.Delete(log::FooterObjectName(key)));
    BASIN_RETURN_IF_ERROR(store.DeleteMany(doomed));
  }
  report->objects_deleted = doomed.size();
  if (st.rewrite_block0) {  // object 0 carries the header: keep it, with an empty block 0
    log::BlockInfo block0;
    BASIN_RETURN_IF_ERROR(store.Put(log::BlockObjectName(key, 0),
                                    log::EmptyBlockZeroObject(st.header, &block0),
                                    PutMode::kOverwrite));
    st.blocks.insert(st.blocks.begin(), block0);
    if (st.blocks.size() == 1) st.end = block0.end();
    report->blocks_kept = st.blocks.size();
  }
  return store.Put(log::FooterObjectName(key), log::EncodeTail(st), PutMode::kOverwrite);
}

constexpr size_t kReadParallelism = 8;                // block reads in flight, at most
constexpr uint64_t kReadBudget = uint64_t{64} << 20;  // and at most this many bytes

struct BadBlock {
  size_t index;  // in LogState::blocks
  std::string what;
};

// Reads every block of `st` (several at a time) and checks it as LogReader::Verify does.
Result<std::vector<BadBlock>> FindDamagedBlocks(ObjectStore& store, const std::string& key,
                                                const log::LogState& st) {
  std::vector<Status> results(st.blocks.size());
  const size_t parallelism = static_cast<size_t>(
      std::clamp<uint64_t>(kReadBudget / st.header.block_size, 1, kReadParallelism));
  BASIN_RETURN_IF_ERROR(ParallelFor(st.blocks.size(), parallelism, [&](size_t i) -> Status {
    std::string bytes;
    Status s = log::ReadBlockBytes(store, key, st, i, &bytes);
    if (s.ok()) {
      Decompressor d;
      log::DecodedBlock block;
      const bool trailer = !(st.last_partial && i + 1 == st.blocks.size());
      s = log::DecodeBlock(std::move(bytes), st.blocks[i], trailer, st.header.block_size, d,
                           &block);
    }
    if (!s.ok() && !s.IsCorruption() && !s.IsNotFound()) return s;  // the store failed
    results[i] = s;
    return Status::OK();
  }));
  std::vector<BadBlock> bad;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      bad.push_back(
          {i, fmt::format("block {}: {}", st.blocks[i].block_number, results[i].message())});
    }
  }
  return bad;
}

// Applies `mode` to the damaged blocks of a log loaded from its tail or its trailers.
Status DropDamaged(ObjectStore& store, const std::string& key, RecoveryMode mode,
                   const std::vector<BadBlock>& bad, log::LogState& st) {
  if (bad.empty()) return Status::OK();
  const log::BlockInfo& first = st.blocks[bad[0].index];
  if (mode == RecoveryMode::kStrict) {
    return Status::Corruption(
        fmt::format("'{}' is damaged at offset {}: {}", key, first.block_offset, bad[0].what));
  }
  st.sealed = false;
  const bool per_block = st.layout == LogLayout::kObjectPerBlock;
  if (mode == RecoveryMode::kPointInTime && !per_block) {
    // Read the damaged block again record by record: its whole records before the damage
    // are kept, as when the writer dies.
    return log::RescanSingleObjectFrom(store, key, mode, bad[0].index, &st);
  }
  const size_t last = mode == RecoveryMode::kPointInTime ? bad[0].index : SIZE_MAX;
  std::vector<log::BlockInfo> kept;
  size_t next_bad = 0;
  for (size_t i = 0; i < st.blocks.size(); ++i) {
    const bool damaged = next_bad < bad.size() && bad[next_bad].index == i;
    if (damaged || i >= last) {
      if (damaged && i <= last) {
        st.damage.push_back({st.blocks[i].block_offset, bad[next_bad].what});
      }
      next_bad += damaged;
      if (per_block) st.dropped_objects.push_back(st.blocks[i].block_number);
      continue;
    }
    kept.push_back(st.blocks[i]);
  }
  st.blocks = std::move(kept);
  st.holes = st.holes || mode == RecoveryMode::kSkipDamaged;
  if (per_block) {  // the footer object is separate: the tail "starts" after the last block
    st.end = st.blocks.empty() ? log::kHeaderRecordSize : st.blocks.back().end();
    std::sort(st.dropped_objects.begin(), st.dropped_objects.end());
    st.rewrite_block0 = !st.dropped_objects.empty() && st.dropped_objects.front() == 0;
  }
  return Status::OK();
}

void Describe(const log::LogState& st, RecoveryReport* report) {
  for (const log::Damage& d : st.damage) {
    report->damage.push_back(fmt::format("offset {}: {}", d.offset, d.what));
  }
  report->blocks_kept = st.blocks.size();
  report->records_kept = st.record_count();
}

// A block file in either layout.
Result<RecoveryReport> RecoverBlockFile(ObjectStore& store, const std::string& key,
                                        RecoveryMode mode, const log::FoundLog& found) {
  RecoveryReport report;
  report.kind = found.kind;
  report.mode = mode;
  const LogLayout layout = found.layout;
  log::LogState st;
  st.layout = layout;
  if (layout == LogLayout::kSingleObject) {
    // Sealed: from the tail, then every indexed block is read, as Verify reads them. Not
    // sealed: the object is read from the start, every record checked (log_scan.cc).
    BASIN_ASSIGN_OR_RETURN(st, log::LoadLog(store, key, mode));
  } else {
    BASIN_RETURN_IF_ERROR(log::ScanBlockObjects(store, key, mode, &st));
    // After a crash (not sealed) point-in-time needs only the trailers: block objects are
    // written whole or not at all.
    report.contents_checked = mode != RecoveryMode::kPointInTime || st.sealed;
  }
  if (st.has_header && (st.sealed || layout == LogLayout::kObjectPerBlock) &&
      report.contents_checked) {
    BASIN_ASSIGN_OR_RETURN(auto bad, FindDamagedBlocks(store, key, st));
    BASIN_RETURN_IF_ERROR(DropDamaged(store, key, mode, bad, st));
  }
  Describe(st, &report);
  if (st.sealed) {
    report.was_sealed = true;
    return report;
  }
  if (!st.has_header && st.size == 0) return report;  // empty: nothing to do
  if (layout == LogLayout::kSingleObject) {
    BASIN_RETURN_IF_ERROR(RepairSingle(store, key, st, &report));
  } else {
    BASIN_RETURN_IF_ERROR(RepairObjects(store, key, st, &report));
  }
  report.changed = true;
  return report;
}

// Every segment; the report adds them up, and names the segment in each damage line.
Result<RecoveryReport> RecoverDirectory(ObjectStore& store, const std::string& dir,
                                        RecoveryMode mode) {
  BASIN_ASSIGN_OR_RETURN(auto segments, ListLogSegments(store, dir));
  RecoveryReport total;
  total.kind = RecordFileKind::kSegmentDirectory;
  total.mode = mode;
  total.was_sealed = true;
  for (uint32_t s : segments) {
    const std::string key = LogSegmentKey(dir, s);
    BASIN_ASSIGN_OR_RETURN(log::FoundLog found, log::FindLog(store, key));
    if (found.kind != RecordFileKind::kBlockFile && found.kind != RecordFileKind::kEmpty) {
      return Status::Corruption(fmt::format("segment '{}' is a {}, not a block file", key,
                                            RecordFileKindName(found.kind)));
    }
    BASIN_ASSIGN_OR_RETURN(RecoveryReport r, RecoverBlockFile(store, key, mode, found));
    total.was_sealed = total.was_sealed && r.was_sealed;
    total.changed = total.changed || r.changed;
    total.contents_checked = total.contents_checked && r.contents_checked;
    total.blocks_kept += r.blocks_kept;
    total.records_kept += r.records_kept;
    total.bytes_cut += r.bytes_cut;
    total.objects_deleted += r.objects_deleted;
    for (const std::string& d : r.damage) total.damage.push_back(key + ": " + d);
  }
  return total;
}

}  // namespace

Result<RecoveryReport> RecoverLog(std::shared_ptr<ObjectStore> store, const std::string& key,
                                  RecoveryMode mode) {
  BASIN_ASSIGN_OR_RETURN(log::FoundLog found, log::FindLog(*store, key));
  switch (found.kind) {
    case RecordFileKind::kEmpty:
    case RecordFileKind::kBlockFile:
      return RecoverBlockFile(*store, key, mode, found);
    case RecordFileKind::kBasicFile:
      return log::RecoverBasicFile(*store, key, mode);
    case RecordFileKind::kSegmentDirectory:
      return RecoverDirectory(*store, key, mode);
  }
  return Status::InvalidArgument("unknown record file kind");
}

}  // namespace basin
