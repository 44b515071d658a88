// Maintenance of a basin: checking it (docs/format/repository.md, "Verification"), counting
// what it holds, compacting its index.
#ifndef BASIN_MAINTENANCE_H_
#define BASIN_MAINTENANCE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "basin/basin.h"

namespace basin {

struct CheckOptions {
  // Also read data strata and open every grain in them (from the cold store, if any).
  bool read_data = false;
  // With read_data: the share of data strata read, 0 < x <= 1 (chosen at random).
  double read_data_fraction = 1.0;
  // The grains a metadata grain refers to, for the reference check; the snapshot layer
  // supplies this for trees and snapshots (clast lists are the basin's own). May be null.
  ReferencesFn references;
  // Called with a short line now and then, for progress on a terminal. May be null.
  std::function<void(std::string_view)> progress;
};

struct CheckProblem {
  std::string object;  // the key of the object at fault ("" for the basin as a whole)
  uint64_t offset = 0;
  std::string message;
};

struct CheckReport {
  uint64_t journal_records = 0, index_tables = 0, strata = 0, tails = 0;
  uint64_t grains = 0, grains_opened = 0, bytes_read = 0, references = 0;
  // Grains in a committed stratum that no index entry names: second copies whose entry an
  // index merge dropped for another copy's (maintenance.md, "Index merges"). Unused bytes
  // that a repack frees; not problems.
  uint64_t grains_unindexed = 0;
  std::vector<CheckProblem> problems;  // empty: the basin is sound
  // Objects no committed record names: left by an interrupted writer (resume adopts them,
  // prune removes them). Not problems.
  std::vector<std::string> unreferenced;
};

// Reads and cross-checks everything that describes the basin (and, with read_data, the
// data). Damage is reported in the report, not as the returned status, which is an error
// only when checking itself could not go on (the store failed).
Result<CheckReport> CheckBasin(Basin& basin, const CheckOptions& options);

struct BasinStats {
  uint64_t commits = 0, snapshots = 0, index_tables = 0;
  uint64_t strata = 0, strata_bytes = 0;  // as committed
  uint64_t grains = 0;                    // indexed
  uint64_t raw_bytes = 0;                 // of the indexed grains, before compression
  uint64_t stored_bytes = 0;              // of the indexed grains as stored
  uint64_t grains_by_type[8] = {};        // by GrainType value (0: other)
};

// Counts what the index holds (reads every index table; no data, no cold store).
Result<BasinStats> ComputeStats(Basin& basin);

struct CompactReport {
  uint64_t tables_before = 0, tables_after = 0, entries = 0, bytes_written = 0;
  uint64_t tables_merged = 0;  // input tables of the merges made
  uint64_t seq = 0;            // the journal record of the merge (0: nothing to do)
};

// Merges the live index tables into one (when there are at least `min_tables`), commits
// the merge and deletes the merged tables. Safe while other processes write: a merge that
// another process's merge overtook is void (AlreadyExists), and its output is deleted.
Result<CompactReport> CompactIndex(Basin& basin, size_t min_tables = 2);

struct PruneOptions {
  // Repack partly used strata, emptiest first, until unused bytes are at most this share
  // of the basin's stored bytes (restic's --max-unused; 0 repacks every partly used one).
  double max_unused = 0.05;
  // At most this many live bytes copied by repacking.
  uint64_t max_repack_bytes = UINT64_MAX;
  // Repack data strata on a cold store too (reading them); wholly unused ones are deleted
  // either way, unread.
  bool repack_cold = false;
  // An uncommitted stratum (a pending marker, or a stratum object no record names) whose
  // freshest trace (marker or object) is older than this on the store's own clock is taken
  // for abandoned and collected. A live writer re-puts its markers every
  // BasinOptions::marker_refresh (docs/format/maintenance.md, W1): keep this well above it.
  std::chrono::seconds abandoned_after{24 * 3600};
  bool dry_run = false;  // plan and report; change nothing
  // With dry_run: plan as if these snapshots were gone (forget --prune --dry-run shows the
  // prune that would follow the forget). InvalidArgument without dry_run.
  std::vector<GrainId> assume_forgotten;
  // Required: the grains a tree or snapshot refers to (the snapshot layer's
  // SnapshotReferences).
  ReferencesFn references;
  // Called with a short line now and then, for progress on a terminal. May be null.
  std::function<void(std::string_view)> progress;
};

struct PruneReport {
  uint64_t snapshots = 0;                 // live snapshots marked from
  uint64_t grains = 0, grains_live = 0;   // indexed grains, and those reachable
  uint64_t strata = 0, strata_bytes = 0;  // committed strata before, and their bytes
  uint64_t live_bytes = 0;                // stored bytes of the live grains
  uint64_t strata_deleted = 0;            // wholly unused: deleted unread
  uint64_t strata_repacked = 0;           // partly used: live grains copied, then deleted
  uint64_t strata_rescued = 0;            // condemned, then referenced by a new snapshot
  uint64_t strata_abandoned = 0;          // uncommitted and older than abandoned_after
  uint64_t strata_written = 0;            // new strata of repacked grains
  uint64_t bytes_freed = 0;               // stored bytes deleted
  uint64_t bytes_repack_read = 0, bytes_written = 0;
  uint64_t objects_deleted = 0;
  uint64_t intent_seq = 0, deletion_seq = 0;  // the journal records (0: none written)
  // Unfinished uploads older than abandoned_after that killed writers left in the basin's
  // stores (temporary files, S3 multipart uploads): removed, or with dry_run counted
  // (ObjectStore::Sweep).
  uint64_t uploads_swept = 0;
  // Why they could not be swept (the store refused the listing, say), or empty. Not an
  // error of the prune: what it did stands.
  std::string sweep_problem;
};

// Removes what no live snapshot references (docs/format/maintenance.md, "Prune"): deletes
// wholly unused strata, repacks partly used ones, collects abandoned uploads, sweeps
// unfinished ones (ObjectStore::Sweep), and rewrites the index without their entries. Safe while
// backups and restores run in other processes (no locks). NotFound/Corruption when a live snapshot
// references a grain the basin lacks (nothing is changed: run check); AlreadyExists when another
// prune took over meanwhile (nothing was deleted by this one). When it returns OK, the space is
// freed.
Result<PruneReport> Prune(Basin& basin, const PruneOptions& options);

}  // namespace basin

#endif  // BASIN_MAINTENANCE_H_
