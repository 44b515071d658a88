#include "basin/forget.h"

#include <algorithm>
#include <ctime>
#include <map>

#include <fmt/format.h>

namespace basin {
namespace {

// The bucket a time falls in, for a rule: a number that differs between hours (days...).
int64_t Bucket(int64_t time_ns, char unit) {
  const time_t secs = static_cast<time_t>(time_ns / 1'000'000'000);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  const int64_t year = tm.tm_year + 1900;
  switch (unit) {
    case 'h':
      return ((year * 400 + tm.tm_yday) * 24) + tm.tm_hour;
    case 'd':
      return year * 400 + tm.tm_yday;
    case 'w': {
      char buf[16];
      std::strftime(buf, sizeof buf, "%G%V", &tm);  // ISO year and week
      return std::atoll(buf);
    }
    case 'm':
      return year * 12 + tm.tm_mon;
    default:
      return year;
  }
}

}  // namespace

bool ForgetPolicy::empty() const {
  return keep_last == 0 && keep_hourly == 0 && keep_daily == 0 && keep_weekly == 0 &&
         keep_monthly == 0 && keep_yearly == 0 && keep_within.count() == 0 && keep_tags.empty();
}

std::vector<ForgetDecision> ApplyForgetPolicy(std::vector<Snapshot> snapshots,
                                              const ForgetPolicy& policy) {
  std::map<std::pair<std::string, std::vector<std::string>>, std::vector<Snapshot>> groups;
  for (Snapshot& s : snapshots) {
    auto paths = s.paths;
    std::sort(paths.begin(), paths.end());
    groups[{s.host, paths}].push_back(std::move(s));
  }
  std::vector<ForgetDecision> out;
  for (auto& [key, group] : groups) {
    std::stable_sort(group.begin(), group.end(),
                     [](const Snapshot& a, const Snapshot& b) { return a.time_ns > b.time_ns; });
    std::vector<ForgetDecision> decided;
    for (Snapshot& s : group) decided.push_back(ForgetDecision{std::move(s), false, {}});
    auto keep = [&](size_t i, const std::string& why) {
      decided[i].keep = true;
      decided[i].reasons.push_back(why);
    };
    for (size_t i = 0; i < decided.size() && static_cast<int>(i) < policy.keep_last; ++i) {
      keep(i, "last");
    }
    const struct {
      int count;
      char unit;
      const char* name;
    } rules[] = {{policy.keep_hourly, 'h', "hourly"},
                 {policy.keep_daily, 'd', "daily"},
                 {policy.keep_weekly, 'w', "weekly"},
                 {policy.keep_monthly, 'm', "monthly"},
                 {policy.keep_yearly, 'y', "yearly"}};
    for (const auto& rule : rules) {
      int kept = 0;
      int64_t last_bucket = INT64_MIN;
      for (size_t i = 0; i < decided.size() && kept < rule.count; ++i) {
        const int64_t b = Bucket(decided[i].snapshot.time_ns, rule.unit);
        if (b == last_bucket) continue;  // an older one in a bucket already kept
        last_bucket = b;
        keep(i, rule.name);
        ++kept;
      }
    }
    if (policy.keep_within.count() > 0 && !decided.empty()) {
      const int64_t newest = decided.front().snapshot.time_ns;
      const int64_t limit =
          newest - std::chrono::duration_cast<std::chrono::nanoseconds>(policy.keep_within).count();
      for (size_t i = 0; i < decided.size(); ++i) {
        if (decided[i].snapshot.time_ns >= limit) keep(i, "within");
      }
    }
    for (size_t i = 0; i < decided.size(); ++i) {
      for (const auto& t : policy.keep_tags) {
        const auto& tags = decided[i].snapshot.tags;
        if (std::find(tags.begin(), tags.end(), t) != tags.end()) {
          keep(i, "tag " + t);
          break;
        }
      }
    }
    for (auto& d : decided) out.push_back(std::move(d));
  }
  return out;
}

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  int64_t total = 0;
  int64_t number = -1;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = (number < 0 ? 0 : number) * 10 + (c - '0');
      if (number > 1'000'000) break;
      continue;
    }
    int64_t unit = 0;
    switch (c) {
      case 'y':
        unit = 365 * 86400;
        break;
      case 'm':
        unit = 30 * 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'h':
        unit = 3600;
        break;
      default:
        unit = 0;
    }
    if (unit == 0 || number < 0) {
      return Status::InvalidArgument(
          fmt::format("'{}' is not a duration (like 1y6m, 30d, 2w, 36h)", text));
    }
    total += number * unit;
    number = -1;
  }
  if (number >= 0 || total <= 0) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a duration (like 1y6m, 30d, 2w, 36h)", text));
  }
  return std::chrono::seconds(total);
}

}  // namespace basin
