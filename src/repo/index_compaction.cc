// Merging index tables: docs/format/repository.md, "Index tables".
#include "repo/index_compaction.h"

#include <algorithm>
#include <string>

#include "repo/basin_format.h"
#include "repo/basin_impl.h"
#include "repo/index.h"

namespace basin::repo {

int IndexTier(uint64_t entries) {
  int tier = 0;
  for (uint64_t n = std::max<uint64_t>(entries, 1); n >= 8; n /= 8) ++tier;
  return tier;
}

std::vector<TableRef> PickTablesToMerge(const std::vector<TableRef>& tables) {
  std::vector<size_t> count;
  for (const TableRef& t : tables) {
    const size_t tier = static_cast<size_t>(IndexTier(t.entries));
    if (count.size() <= tier) count.resize(tier + 1);
    ++count[tier];
  }
  for (size_t tier = 0; tier < count.size(); ++tier) {
    if (count[tier] < kMergeFanIn) continue;
    std::vector<TableRef> picked;
    for (const TableRef& t : tables) {
      if (static_cast<size_t>(IndexTier(t.entries)) == tier) picked.push_back(t);
    }
    return picked;
  }
  return {};
}

namespace {

// A merge whose read of an input failed: AlreadyExists when the failure is NotFound and the
// re-read journal no longer names every input (another process merged them, then deleted
// them: only a committed merge deletes a table), else the failure itself (a table the
// journal still names is missing: damage).
Status InputsReplaced(BasinImpl& b, const std::vector<TableRef>& inputs, const Status& failed) {
  if (!failed.IsNotFound()) return failed;
  BASIN_RETURN_IF_ERROR(b.Refresh());
  MergeRef m;
  for (const TableRef& t : inputs) m.inputs.push_back(t.name);
  if (b.state().MergeApplies(m)) return failed;
  return Status::AlreadyExists(
      "another process merged these index tables first (and deleted them): this merge is void");
}

}  // namespace

Result<CompactReport> MergeIndexTablesAndCommit(BasinImpl& b, const BasinState& st,
                                                const std::vector<TableRef>& inputs) {
  CompactReport report;
  report.tables_before = st.tables.size();
  // Entries of deleted strata are always left out (lookups skip them anyway).
  auto made = MergeIndexTables(b.hot(), b.cache(), inputs, b.keys(),
                               st.deleted.empty() ? nullptr : &st.deleted);
  if (!made.ok()) return InputsReplaced(b, inputs, made.status());
  const TableRef merged = *made;
  JournalRecord record;
  MergeRef m;
  m.output = merged;
  for (const TableRef& t : inputs) m.inputs.push_back(t.name);
  record.merges.push_back(m);
  auto seq = b.CommitRecord(record);
  if (!seq.ok()) {
    b.hot()->Delete(IndexTableKey(merged.name)).IgnoreError();  // void: nobody names it
    return seq.status();
  }
  // The inputs are no longer named by the state; readers that opened them before refresh.
  std::vector<std::string> doomed;
  for (const TableRef& t : inputs) doomed.push_back(IndexTableKey(t.name));
  BASIN_RETURN_IF_ERROR(b.hot()->DeleteMany(doomed));
  report.tables_after = b.state().tables.size();
  report.tables_merged = inputs.size();
  report.entries = merged.entries;
  report.bytes_written = merged.size;
  report.seq = *seq;
  return report;
}

Result<CompactReport> CompactIndexTables(BasinImpl& b, size_t min_tables) {
  BASIN_RETURN_IF_ERROR(b.Refresh());
  const BasinState st = b.state();
  if (st.tables.empty() || st.tables.size() < min_tables) {
    CompactReport report;
    report.tables_before = report.tables_after = st.tables.size();
    return report;
  }
  return MergeIndexTablesAndCommit(b, st, st.tables);
}

Result<CompactReport> CompactIndexTiers(BasinImpl& b) {
  CompactReport total;
  total.tables_before = total.tables_after = b.state().tables.size();
  // Each merge empties a full tier; a cascade climbs at most one tier per merge.
  for (int round = 0; round < 64; ++round) {
    const BasinState st = b.state();
    const std::vector<TableRef> picked = PickTablesToMerge(st.tables);
    if (picked.empty()) break;
    auto r = MergeIndexTablesAndCommit(b, st, picked);
    if (!r.ok()) {
      if (r.status().IsAlreadyExists()) break;  // another process is merging them
      return r.status();
    }
    total.tables_after = r->tables_after;
    total.tables_merged += r->tables_merged;
    total.entries += r->entries;
    total.bytes_written += r->bytes_written;
    total.seq = r->seq;
  }
  return total;
}

}  // namespace basin::repo

namespace basin {

Result<CompactReport> CompactIndex(Basin& basin, size_t min_tables) {
  return repo::CompactIndexTables(static_cast<repo::BasinImpl&>(basin),
                                  std::max<size_t>(min_tables, 2));
}

}  // namespace basin
