// Repair of record logs: find what the mode keeps (log_scan.cc), then write it back:
// cut the single object after the last kept record (closing a cut-short block with a
// trailer) or delete the block objects past the cut, and write a new tail.
#include "basin/log_recovery.h"

#include <fmt/format.h>

#include "log/log_file.h"

namespace basin {

std::string RecoveryReport::ToString() const {
  std::string out;
  if (was_sealed) {
    out = fmt::format("the log is sealed and whole: nothing to do ({} blocks, {} records)\n",
                      blocks_kept, records_kept);
    return out;
  }
  for (const std::string& d : damage) out += "damage: " + d + "\n";
  out += fmt::format("{}: kept {} blocks, {} records", RecoveryModeName(mode), blocks_kept,
                     records_kept);
  if (bytes_cut > 0) out += fmt::format("; cut {} bytes from the end", bytes_cut);
  if (objects_deleted > 0) out += fmt::format("; deleted {} block objects", objects_deleted);
  out += changed ? "; wrote a new tail\n" : "\n";
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
  for (uint64_t n : st.dropped_objects) {
    BASIN_RETURN_IF_ERROR(store.Delete(log::BlockObjectName(key, n)));
    ++report->objects_deleted;
  }
  return store.Put(log::FooterObjectName(key), log::EncodeTail(st), PutMode::kOverwrite);
}

}  // namespace

Result<RecoveryReport> RecoverLog(std::shared_ptr<ObjectStore> store, const std::string& key,
                                  RecoveryMode mode) {
  RecoveryReport report;
  report.mode = mode;
  BASIN_ASSIGN_OR_RETURN(LogLayout layout, log::DetectLayout(*store, key));
  log::LogState st;
  st.layout = layout;
  if (layout == LogLayout::kSingleObject) {
    // Recovery reads every byte, sealed or not: damage inside blocks counts too.
    BASIN_ASSIGN_OR_RETURN(st.size, store->Head(key));
    BASIN_RETURN_IF_ERROR(log::ScanSingleObject(*store, key, mode, &st));
  } else {
    BASIN_RETURN_IF_ERROR(log::ScanBlockObjects(*store, key, mode, &st));
  }
  for (const log::Damage& d : st.damage) {
    report.damage.push_back(fmt::format("offset {}: {}", d.offset, d.what));
  }
  report.blocks_kept = st.blocks.size();
  report.records_kept = st.record_count();
  if (st.sealed) {
    report.was_sealed = true;
    return report;
  }
  if (layout == LogLayout::kSingleObject) {
    BASIN_RETURN_IF_ERROR(RepairSingle(*store, key, st, &report));
  } else {
    BASIN_RETURN_IF_ERROR(RepairObjects(*store, key, st, &report));
  }
  report.changed = true;
  return report;
}

}  // namespace basin
