// Which snapshots to keep (basin forget), by the rules restic and borg users know.
#ifndef BASIN_FORGET_H_
#define BASIN_FORGET_H_

#include <chrono>
#include <string>
#include <vector>

#include "basin/snapshot.h"

namespace basin {

struct ForgetPolicy {
  int keep_last = 0;  // the newest N
  int keep_hourly = 0, keep_daily = 0, keep_weekly = 0, keep_monthly = 0, keep_yearly = 0;
  std::chrono::seconds keep_within{0};  // everything newer than the newest minus this
  std::vector<std::string> keep_tags;   // every snapshot with one of these tags
  bool empty() const;
};

struct ForgetDecision {
  Snapshot snapshot;
  bool keep = false;
  std::vector<std::string> reasons;  // "last", "daily", ... for kept ones
};

// Applies `policy` to each group of snapshots of the same host and paths (newest first
// within a group): a snapshot is kept when any rule keeps it. Time buckets use local time:
// the newest snapshot of each of the N most recent hours (days, ISO weeks, months, years)
// that have one. Returns every snapshot with its decision, grouped, newest first.
std::vector<ForgetDecision> ApplyForgetPolicy(std::vector<Snapshot> snapshots,
                                              const ForgetPolicy& policy);

// Parses a duration such as "2y6m", "30d", "1w2d", "36h" (y, m = 30 days, w, d, h).
Result<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace basin

#endif  // BASIN_FORGET_H_
