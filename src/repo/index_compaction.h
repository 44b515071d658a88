// Merging index tables (docs/format/repository.md, "Index tables"): on demand (`basin
// index compact`, prune) and by the size-tiered policy a writer applies after each commit.
#ifndef BASIN_REPO_INDEX_COMPACTION_H_
#define BASIN_REPO_INDEX_COMPACTION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "basin/maintenance.h"
#include "repo/journal.h"

namespace basin::repo {

class BasinImpl;

// The size-tiered policy. A table of n entries is in tier floor(log8(max(n, 1))); when a
// tier holds kMergeFanIn tables, they are merged into one (about kMergeFanIn times larger:
// the next tier). So a basin holds at most kMergeFanIn - 1 tables per tier, about
// 7 * (log8(grains) + 1) in all (56 at 20 million grains), and each entry is rewritten
// about once per tier it climbs (log8 of the basin's size), never once per commit.
inline constexpr size_t kMergeFanIn = 8;
int IndexTier(uint64_t entries);

// The tables the policy merges now, in state order: every table of the lowest tier that
// holds kMergeFanIn or more. Empty when no tier is full.
std::vector<TableRef> PickTablesToMerge(const std::vector<TableRef>& tables);

// Merges `inputs` (live tables of `state`, at least one), leaving out entries of deleted
// strata; commits the merge and deletes the inputs. AlreadyExists when another process
// merged one of the inputs first (this merge is void; its output is deleted), also when it
// deleted an input before this merge read it (the refreshed state no longer names it);
// NotFound when an input the journal still names is missing (damage).
Result<CompactReport> MergeIndexTablesAndCommit(BasinImpl& basin, const BasinState& state,
                                                const std::vector<TableRef>& inputs);

// Merges every live table when there are at least `min_tables` (1: rewrites a single
// one). Refreshes the state first.
Result<CompactReport> CompactIndexTables(BasinImpl& basin, size_t min_tables);

// Applies the size-tiered policy to the state as it is (no refresh) until no tier is full.
// What a writer runs after its commit; a merge another process overtook ends it quietly.
Result<CompactReport> CompactIndexTiers(BasinImpl& basin);

}  // namespace basin::repo

#endif  // BASIN_REPO_INDEX_COMPACTION_H_
