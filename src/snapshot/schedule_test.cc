// The maintenance protocol's schedules against the real code (docs/format/maintenance.md,
// "Testing"): the counterpart of model/prune.pml. Real backups, a forget and prune, a
// second prune and a restore run concurrently, each its own "process" (its own Basin on a
// HookStore over one memory store), one store call at a time in an order a seed chooses
// (tests/step_scheduler.h), and any of them may crash between two store calls. After each
// round: check --read-data is clean, every snapshot listed restores byte for byte, and each
// actor's outcome is one the protocol allows (ScheduleRunner::Judge says which).
//
//   BASIN_SCHEDULES=1000 build/tests/schedule_test --gtest_filter='*Seeded*'   the full run
//   BASIN_SCHEDULE_SEED=17 BASIN_SCHEDULES=1 BASIN_SCHEDULE_TRACE=1 ...  one seed, traced
//   BASIN_SCHEDULE_MAX_FAILURES=1000 ...  go on past the third failing seed
#include <gtest/gtest.h>

#include <chrono>

#include "deterministic.h"
#include "snapshot/schedule_runner.h"
#include "test_util.h"

namespace basin {
namespace {

using testing::EnvOr;
using testing::ScheduleRunner;
using testing::ScheduleStats;

// A few in CI (seconds). The sanitizer pass, which makes each schedule some ten times
// slower, runs 3 (scripts/test.sh sets BASIN_SCHEDULES); the long run is
// BASIN_SCHEDULES=1000 (model/README.md).
constexpr uint64_t kDefaultSchedules = 12;

class ScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::InstallDeterministicProcess())
        << "the default executor was in use before the schedules could replace it";
  }
};

TEST_F(ScheduleTest, SeededSchedulesKeepEverySnapshotWholeAndCheckClean) {
  const uint64_t count = EnvOr("BASIN_SCHEDULES", kDefaultSchedules);
  const uint64_t first = EnvOr("BASIN_SCHEDULE_SEED", 1);
  const bool trace = EnvOr("BASIN_SCHEDULE_TRACE", 0) != 0;
  const uint64_t max_failed = EnvOr("BASIN_SCHEDULE_MAX_FAILURES", 3);  // then it stops
  ScheduleRunner runner;
  ScheduleStats total;
  uint64_t failed = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t seed = first; seed < first + count && failed < max_failed; ++seed) {
    auto result = runner.Run(seed, trace);
    total.Add(result.stats);
    if (!result.failures.empty()) {
      ++failed;
      ADD_FAILURE() << result.Report(seed);
    } else if (trace) {
      std::cout << result.Report(seed);
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << total.Summary(secs) << "; " << failed << " failed\n";
  // The schedules must reach the races they are for.
  if (count >= kDefaultSchedules) {
    EXPECT_GT(total.crashes, count / 2);
    EXPECT_GT(total.deletes_raced, 0u);
  }
}

// "" when equal, else the first line that differs with the lines before it.
[[maybe_unused]] std::string FirstDifference(const std::vector<std::string>& a,
                                             const std::vector<std::string>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  if (i == a.size() && i == b.size()) return "";
  std::string out = "line " + std::to_string(i) + ":\n";
  for (size_t k = i > 4 ? i - 4 : 0; k < i; ++k) out += "    " + a[k] + "\n";
  out += "  first: " + (i < a.size() ? a[i] : "(ended)") + "\n";
  out += "  again: " + (i < b.size() ? b[i] : "(ended)") + "\n";
  return out;
}

// The same seed gives the same interleaving, store call for store call (the trace is how a
// failing seed is reproduced).
TEST_F(ScheduleTest, ASeedReplaysTheSameSchedule) {
  ScheduleRunner runner;
  auto a = runner.Run(7, /*trace=*/true);
  auto b = runner.Run(7, /*trace=*/true);
  EXPECT_TRUE(a.failures.empty()) << a.Report(7);
#if defined(NDEBUG)
  // (Abseil randomizes hash-table iteration in builds without NDEBUG: prune's plan order.)
  EXPECT_EQ(FirstDifference(a.trace, b.trace), "");
#endif
  EXPECT_GT(a.stats.steps, 100u);
}

}  // namespace
}  // namespace basin
