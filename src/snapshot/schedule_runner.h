// One seeded schedule of the maintenance protocol against the real code (schedule_test.cc):
// a basin with a short history, then rounds in which two backups, a forget and prune, a
// restore and sometimes a second prune run one store call at a time (tests/step_scheduler.h),
// each maybe crashing; after each round and after a final quiet prune, the checks of
// docs/format/maintenance.md "Testing".
#ifndef BASIN_SNAPSHOT_SCHEDULE_RUNNER_H_
#define BASIN_SNAPSHOT_SCHEDULE_RUNNER_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "basin/basin.h"
#include "test_util.h"

namespace basin::testing {

struct ScheduleStats {
  uint64_t schedules = 0, rounds = 0, steps = 0, crashes = 0;
  uint64_t deletes_raced = 0;    // prune's stratum deletes while a backup or restore ran
  uint64_t reads_rerouted = 0;   // restores that met a deleted stratum and went on (R1)
  uint64_t backups_refused = 0;  // backups that W3 stopped ("run it again")
  uint64_t strata_rescued = 0;   // P5/P6 rescues
  uint64_t prunes_superseded = 0;
  uint64_t restores = 0;     // byte-for-byte restores checked
  uint64_t tables_left = 0;  // index tables unreferenced after the quiet prune
  void Add(const ScheduleStats& o);
  std::string Summary(double seconds) const;
};

struct ScheduleResult {
  ScheduleStats stats;
  std::vector<std::string> failures;
  std::vector<std::string> trace;  // per round: its plan, then one line per store call
  // The seed, the failures and the trace.
  std::string Report(uint64_t seed) const;
};

class ScheduleRunner {
 public:
  ScheduleRunner() = default;
  ScheduleResult Run(uint64_t seed, bool keep_trace);

  // The tree a host's source holds at a version (an empty dir: nothing yet), made on first
  // use: what every snapshot of that host and version must restore to.
  const std::string& Reference(int host, int version);

 private:
  TempDir refs_;
  std::map<std::pair<int, int>, std::string> made_;
};

// A basin with the least chunks and strata a config allows (16/64/256 KiB chunks, strata of
// 1 MiB, a checkpoint every 4 commits) and a cheap key derivation, so that small trees
// cross every boundary.
InitOptions SmallScheduleBasin(std::string password);

// Writes `root` as host's tree at `version`: only the files that differ from `from`
// (-1: all, into an empty directory), so unchanged files keep their inode and times.
void WriteTree(const std::string& root, int host, int version, int from);

}  // namespace basin::testing

#endif  // BASIN_SNAPSHOT_SCHEDULE_RUNNER_H_
