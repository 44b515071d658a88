// A schedule: setup, rounds of concurrent actors, and the judgement of each round
// (schedule_runner.h). What the protocol promises, and so what Judge accepts:
//   - a backup that did not crash commits its snapshot, or fails retryably at W3 ("run it
//     again") having committed nothing;
//   - the forget commits (it needs no check); a prune succeeds, or fails with AlreadyExists
//     when another prune superseded it (M6), having deleted nothing;
//   - a restore of a snapshot that is still live at the end succeeds, byte for byte (R1: it
//     finds the new home of a repacked grain); of a forgotten one, it may also fail with
//     NotFound, never give a wrong tree;
//   - a crashed actor may have done anything up to its crash, including its commit: a
//     snapshot listed that no actor reported must be of a backup that crashed;
//   - afterwards check --read-data finds no problem, every listed snapshot restores byte
//     for byte, no live snapshot is lost, and after a final quiet prune nothing is left
//     unreferenced (the crash table's "the next prune removes it").
#include "snapshot/schedule_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>
#include <set>

#include <fmt/format.h>

#include "basin/backup.h"
#include "basin/maintenance.h"
#include "basin/memory_store.h"
#include "deterministic.h"
#include "hook_store.h"
#include "step_scheduler.h"
#include "tree_compare.h"

namespace basin::testing {
namespace {

constexpr int kHosts = 2;
constexpr int kRounds = 2;
constexpr char kPassword[] = "correct horse";

struct FileSpec {
  std::string path, data;
  int64_t mtime;
};

// Host h's tree at version v: files shared by every host and version, per host, changing
// with each version wholly or in part, and shared across hosts at one version, so that
// backups deduplicate across hosts, against their parents and against older snapshots.
std::vector<FileSpec> TreeFiles(int h, int v) {
  auto bytes = [](size_t n, uint64_t seed) { return RandomBytes(n, seed); };
  std::vector<FileSpec> f = {
      {"shared.bin", bytes(200 << 10, 1000), 0},
      {"own.bin", bytes(150 << 10, 2000 + h), 0},
      {"churn.bin", bytes(180 << 10, 3000 + 100 * h + v), 0},
      {"grow.bin", bytes(100 << 10, 4000 + h) + bytes(60 << 10, 5000 + 100 * h + v), 0},
      {"sub/common.bin", bytes(120 << 10, 6000 + v), 0},
      {"sub/note.txt", fmt::format("host {} version {}\n", h, v), 0},
      {"sub/fixed.txt", fmt::format("host {}\n", h), 0},
  };
  for (FileSpec& s : f)
    s.mtime = 1'600'000'000 + static_cast<int64_t>(std::hash<std::string>{}(s.data) % 100'000'000);
  return f;
}

bool SetMtime(const std::string& path, int64_t sec) {
  const timespec t[2] = {{sec, 5}, {sec, 5}};
  return ::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW) == 0;
}

std::string Describe(const Status& s) { return s.ok() ? "ok" : s.ToString(); }

// One actor of a round, and what became of it.
struct Actor {
  enum Kind { kBackup, kPrune, kRestore };
  Actor(Kind k, std::string n) : kind(k), name(std::move(n)) {}
  Kind kind;
  std::string name;
  int host = 0;                  // backups: whose tree; restore: the snapshot's host
  std::vector<GrainId> forget;   // the prune that forgets first
  GrainId snapshot;              // restore: what it restores
  int version = 0;               // restore: the snapshot's version
  Status status, forget_status;  // the outcome
  GrainId made;                  // a backup's snapshot
  PruneReport prune;
  RestoreResult restored;
  std::string target;  // restore: where
  std::vector<std::string> warnings;
};

class Schedule {
 public:
  Schedule(ScheduleRunner& runner, uint64_t seed, bool keep_trace)
      : runner_(runner),
        seed_(seed),
        keep_trace_(keep_trace),
        rng_(seed),
        store_(NewMemoryStore()) {}

  ScheduleResult Run();

 private:
  BasinOptions Options(std::shared_ptr<ObjectStore> store, std::string host) const {
    BasinOptions o;
    o.store = std::move(store);
    o.host = std::move(host);
    o.executor = NoThreads();
    o.block_cache = std::make_shared<BlockCache>(size_t{1} << 20);
    return o;
  }
  std::string Source(int h) const { return fmt::format("{}/host{}", work_.path(), h); }
  void Fail(std::string what) { r_.failures.push_back(std::move(what)); }
  bool Setup();
  void PlanRound(int round);
  void RunActor(Actor& a, std::shared_ptr<ObjectStore> store);
  void Round(int round);
  void Judge(int round, const StepScheduler& sched);
  // The restore of the round, the snapshots listed against those expected, and Verify.
  void JudgeSnapshots(const std::string& when, const StepScheduler& sched,
                      const std::set<GrainId>& must_list);
  // Check, every snapshot restored, none lost. `quiet`: also nothing unreferenced.
  void Verify(const std::string& when, bool quiet);
  void ExpectRestores(Basin& b, const GrainId& id, int host, int version, const std::string& when);
  std::unique_ptr<Basin> OpenPlain();

  ScheduleRunner& runner_;
  const uint64_t seed_;
  const bool keep_trace_;
  std::mt19937_64 rng_;
  std::shared_ptr<ObjectStore> store_;
  TempDir work_;
  int version_[kHosts] = {};
  std::map<GrainId, std::pair<int, int>> expected_;  // snapshot -> (host, version)
  std::set<GrainId> may_go_;  // forgotten in this round: may be listed or not
  std::vector<Actor> actors_;
  double switch_ = 0;
  std::chrono::seconds abandoned_{0};
  int restores_ = 0;
  ScheduleResult r_;
};

std::unique_ptr<Basin> Schedule::OpenPlain() {
  auto b = Basin::Open(Options(store_, "checker"), kPassword);
  if (!b.ok()) {
    Fail("opening the basin after the round: " + b.status().ToString());
    return nullptr;
  }
  return std::move(b).value();
}

bool Schedule::Setup() {
  auto b = Basin::Init(Options(store_, "setup"), SmallScheduleBasin(kPassword));
  if (!b.ok()) {
    Fail("init: " + b.status().ToString());
    return false;
  }
  for (int h = 0; h < kHosts; ++h) WriteTree(Source(h), h, 0, -1);
  // h0 v0, h1 v0, h0 v1 (with h0 v0 for parent).
  for (auto [h, v] : {std::pair{0, 0}, {1, 0}, {0, 1}}) {
    if (v != version_[h]) WriteTree(Source(h), h, v, version_[h]);
    version_[h] = v;
    BackupOptions o;
    o.paths = {Source(h)};
    o.host = fmt::format("h{}", h);
    o.checkpoint_interval = std::chrono::seconds(0);
    auto made = Backup(**b, o);
    if (!made.ok()) {
      Fail("setup backup: " + made.status().ToString());
      return false;
    }
    expected_[made->snapshot.id] = {h, v};
  }
  return true;
}

void Schedule::PlanRound(int round) {
  actors_.clear();
  may_go_.clear();
  static constexpr double kSwitch[] = {0.02, 0.1, 0.3, 1.0};
  switch_ = kSwitch[rng_() % 4];
  abandoned_ = rng_() % 2 ? std::chrono::seconds(0) : std::chrono::seconds(24 * 3600);
  // By host and version, not by id: a snapshot's id hashes its time (the wall clock), so
  // an order by id would make the seed's picks differ from run to run.
  std::vector<std::pair<std::pair<int, int>, GrainId>> by_version;
  for (const auto& [id, hv] : expected_) by_version.emplace_back(hv, id);
  std::sort(by_version.begin(), by_version.end());
  std::vector<GrainId> live;
  for (const auto& [hv, id] : by_version) live.push_back(id);
  for (int h = 0; h < kHosts; ++h) {
    Actor a(Actor::kBackup, fmt::format("backup{}", h));
    a.host = h;
    actors_.push_back(std::move(a));
  }
  Actor prune(Actor::kPrune, "prune");
  const size_t forgets = 1 + rng_() % 2;
  for (size_t i = 0; i < forgets && !live.empty(); ++i) {
    prune.forget.push_back(live[rng_() % live.size()]);
    may_go_.insert(prune.forget.back());
  }
  actors_.push_back(std::move(prune));
  if (!live.empty()) {
    Actor a(Actor::kRestore, "restore");
    a.snapshot = live[rng_() % live.size()];
    std::tie(a.host, a.version) = expected_.at(a.snapshot);
    a.target = fmt::format("{}/restore{}", work_.path(), round);
    actors_.push_back(std::move(a));
  }
  if (rng_() % 4 == 0) actors_.emplace_back(Actor::kPrune, "prune2");
}

void Schedule::RunActor(Actor& a, std::shared_ptr<ObjectStore> store) {
  const std::string host = a.kind == Actor::kBackup ? fmt::format("h{}", a.host) : a.name;
  auto opened = Basin::Open(Options(std::move(store), host), kPassword);
  if (!opened.ok()) {
    a.status = opened.status();
    return;
  }
  Basin& b = **opened;
  auto warn = [&a](const std::string& p, const Status& s) {
    a.warnings.push_back(p + ": " + s.ToString());
  };
  switch (a.kind) {
    case Actor::kBackup: {
      BackupOptions o;
      o.paths = {Source(a.host)};
      o.host = host;
      o.checkpoint_interval = std::chrono::seconds(0);  // no timer: a checkpoint thread
      o.parallelism = 2;
      o.warning = warn;
      auto made = Backup(b, o);
      a.status = made.status();
      if (made.ok()) a.made = made->snapshot.id;
      break;
    }
    case Actor::kPrune: {
      if (!a.forget.empty()) {  // basin forget: one commit removing the snapshots
        auto w = b.NewWriter();
        a.forget_status = w.status();
        for (const GrainId& id : a.forget) {
          if (a.forget_status.ok()) a.forget_status = (*w)->RemoveSnapshot(id);
        }
        if (a.forget_status.ok()) a.forget_status = (*w)->Commit().status();
        if (!a.forget_status.ok()) {
          a.status = a.forget_status;
          return;
        }
      }
      PruneOptions o;
      o.max_unused = 0;
      o.abandoned_after = abandoned_;
      o.references = SnapshotReferences;
      auto pruned = Prune(b, o);
      a.status = pruned.status();
      if (pruned.ok()) a.prune = *pruned;
      break;
    }
    case Actor::kRestore: {
      auto snap = ReadSnapshot(b, a.snapshot);
      if (!snap.ok()) {
        a.status = snap.status();
        return;
      }
      RestoreOptions o;
      o.target = a.target;
      o.path = Source(a.host);
      o.warning = warn;
      auto done = Restore(b, *snap, o);
      a.status = done.status();
      if (done.ok()) a.restored = *done;
      break;
    }
  }
}

void Schedule::Round(int round) {
  for (int h = 0; h < kHosts; ++h) {
    WriteTree(Source(h), h, round + 1, version_[h]);
    version_[h] = round + 1;
  }
  PlanRound(round);
  StepScheduler sched(seed_ * 1000 + static_cast<uint64_t>(round), switch_);
  // Crash points are drawn up to about the number of calls each kind makes.
  static constexpr uint64_t kTypicalSteps[] = {70, 160, 40};  // backup, prune, restore
  std::vector<std::shared_ptr<HookStore>> stores;
  std::string plan = fmt::format("round {}: switch probability {}, abandoned-after {} s:", round,
                                 switch_, abandoned_.count());
  for (Actor& a : actors_) {
    const uint64_t crash_at = rng_() % 2 ? 1 + rng_() % kTypicalSteps[a.kind] : 0;
    const int i = sched.AddActor(a.name, crash_at);
    stores.push_back(std::make_shared<HookStore>(store_));
    sched.Attach(i, stores.back().get());
    plan += " " + a.name;
    if (!a.forget.empty()) plan += fmt::format(" (forgets {})", a.forget.size());
    if (a.kind == Actor::kRestore) plan += fmt::format(" (h{} v{})", a.host, a.version);
    if (crash_at > 0) plan += fmt::format(" (crashes at call {})", crash_at);
  }
  r_.trace.push_back(plan);
  const bool finished = sched.Run(
      [&](int i) {
        SeedThisThread(seed_ * 7919 + static_cast<uint64_t>(round) * 131 +
                       static_cast<uint64_t>(i));
        RunActor(actors_[i], stores[i]);
      },
      std::chrono::seconds(120));
  if (keep_trace_ || !finished) {
    for (std::string& line : sched.trace()) r_.trace.push_back(std::move(line));
  }
  if (!finished) Fail(fmt::format("round {}: an actor hung (the trace ends where)", round));
  ++r_.stats.rounds;
  r_.stats.steps += sched.total_steps();
  Judge(round, sched);
  // Kept for a failing seed's report only when the round failed.
  if (!keep_trace_ && !r_.failures.empty() && finished) {
    for (std::string& line : sched.trace()) r_.trace.push_back(std::move(line));
  }
}

void Schedule::Judge(int round, const StepScheduler& sched) {
  const std::string when = fmt::format("round {}", round);
  uint64_t readers = 0;  // backups and restores, by actor index
  for (size_t i = 0; i < actors_.size(); ++i) {
    if (actors_[i].kind != Actor::kPrune) readers |= 1ull << i;
  }
  std::set<GrainId> must_list;
  for (size_t i = 0; i < actors_.size(); ++i) {
    const Actor& a = actors_[i];
    const bool crashed = sched.crashed(static_cast<int>(i));
    r_.stats.crashes += crashed;
    if (crashed) continue;
    for (const auto& w : a.warnings) Fail(fmt::format("{}: {} warned: {}", when, a.name, w));
    const std::string outcome =
        fmt::format("{}: {} ended with {}", when, a.name, Describe(a.status));
    if (a.kind == Actor::kBackup) {
      if (a.status.ok()) {
        expected_[a.made] = {a.host, version_[a.host]};
        must_list.insert(a.made);
      } else if (a.status.IsIOError() && a.status.retryable()) {
        ++r_.stats.backups_refused;  // W3: run it again
      } else {
        Fail(outcome);
      }
    } else if (a.kind == Actor::kPrune) {
      if (!a.forget_status.ok()) {
        Fail(outcome);
      } else if (a.status.ok()) {
        r_.stats.strata_rescued += a.prune.strata_rescued;
      } else if (a.status.IsAlreadyExists()) {
        ++r_.stats.prunes_superseded;  // M6
      } else {
        Fail(outcome);
      }
    }
  }
  for (const StepScheduler::Step& s : sched.steps()) {
    if (s.actor >= 0 && actors_[s.actor].kind == Actor::kPrune && s.call == "delete" &&
        s.key.starts_with("strata/") && (s.live & readers) != 0) {
      ++r_.stats.deletes_raced;
    }
  }
  JudgeSnapshots(when, sched, must_list);
}

void Schedule::JudgeSnapshots(const std::string& when, const StepScheduler& sched,
                              const std::set<GrainId>& must_list) {
  auto fresh = OpenPlain();
  if (!fresh) return;
  std::set<GrainId> listed;
  for (const SnapshotEntry& e : fresh->Snapshots()) listed.insert(e.id);
  for (size_t i = 0; i < actors_.size(); ++i) {
    const Actor& a = actors_[i];
    if (a.kind != Actor::kRestore || sched.crashed(static_cast<int>(i))) continue;
    if (a.status.ok()) {
      ++r_.stats.restores;
      if (a.restored.errors > 0)
        Fail(fmt::format("{}: the restore had {} errors", when, a.restored.errors));
      for (const auto& d : CompareTrees(runner_.Reference(a.host, a.version), a.target)) {
        Fail(fmt::format("{}: the restore during the round differs: {}", when, d));
      }
      for (const StepScheduler::Step& s : sched.steps()) {
        if (s.actor == static_cast<int>(i) && s.key.starts_with("strata/") &&
            s.result == "NotFound") {
          ++r_.stats.reads_rerouted;
          break;
        }
      }
    } else if (listed.contains(a.snapshot) || !a.status.IsNotFound()) {
      Fail(fmt::format("{}: the restore of a snapshot {} failed: {}", when,
                       listed.contains(a.snapshot) ? "still live" : "forgotten",
                       a.status.ToString()));
    }
    std::filesystem::remove_all(a.target);
  }
  for (const GrainId& id : listed) {
    if (expected_.contains(id)) continue;
    // Only a backup that crashed after its commit leaves a snapshot nobody reported.
    auto snap = ReadSnapshot(*fresh, id);
    int host = -1;
    for (size_t i = 0; i < actors_.size() && snap.ok(); ++i) {
      const Actor& a = actors_[i];
      if (a.kind == Actor::kBackup && sched.crashed(static_cast<int>(i)) &&
          snap->host == fmt::format("h{}", a.host)) {
        host = a.host;
      }
    }
    if (host < 0) {
      Fail(fmt::format("{}: snapshot {} is listed, but no backup made it", when, id.ToHex()));
    } else {
      expected_[id] = {host, version_[host]};
    }
  }
  for (auto it = expected_.begin(); it != expected_.end();) {
    if (listed.contains(it->first)) {
      ++it;
    } else if (may_go_.contains(it->first) && !must_list.contains(it->first)) {
      it = expected_.erase(it);  // forgotten
    } else {
      Fail(fmt::format("{}: snapshot {} was lost", when, it->first.ToHex()));
      it = expected_.erase(it);
    }
  }
  Verify(when, /*quiet=*/false);
}

void Schedule::ExpectRestores(Basin& b, const GrainId& id, int host, int version,
                              const std::string& when) {
  const std::string what = fmt::format("{}: snapshot {} (host {} version {})", when,
                                       id.ToHex().substr(0, 8), host, version);
  auto snap = ReadSnapshot(b, id);
  if (!snap.ok()) return Fail(what + ": " + snap.status().ToString());
  RestoreOptions o;
  o.target = fmt::format("{}/check{}", work_.path(), restores_++);
  o.path = Source(host);
  auto done = Restore(b, *snap, o);
  if (!done.ok()) return Fail(what + " does not restore: " + done.status().ToString());
  ++r_.stats.restores;
  if (done->errors > 0 || done->warnings > 0) Fail(what + ": the restore warned");
  for (const auto& d : CompareTrees(runner_.Reference(host, version), o.target)) {
    Fail(what + " restores differently: " + d);
  }
  std::filesystem::remove_all(o.target);
}

void Schedule::Verify(const std::string& when, bool quiet) {
  auto b = OpenPlain();
  if (!b) return;
  CheckOptions co;
  co.read_data = true;
  co.references = SnapshotReferences;
  auto report = CheckBasin(*b, co);
  if (!report.ok()) return Fail(when + ": check failed: " + report.status().ToString());
  for (const CheckProblem& p : report->problems) {
    Fail(fmt::format("{}: check: {} at {}: {}", when, p.object, p.offset, p.message));
  }
  if (quiet) {
    // Index tables of commits that never happened are not collected yet (maintenance.md,
    // "Testing", finding 2): counted. Everything else a crash left, the prune removed.
    for (const std::string& k : report->unreferenced) {
      if (k.starts_with("index/")) {
        ++r_.stats.tables_left;
      } else {
        Fail(fmt::format("{}: left unreferenced: {}", when, k));
      }
    }
    auto markers = store_->ListAll("pending/");
    if (!markers.ok()) return Fail(when + ": listing pending/: " + markers.status().ToString());
    for (const ObjectInfo& m : *markers) Fail(fmt::format("{}: left behind: {}", when, m.key));
  }
  for (const auto& [id, hv] : expected_) ExpectRestores(*b, id, hv.first, hv.second, when);
}

ScheduleResult Schedule::Run() {
  SeedThisThread(seed_ * 1000003 + 1);
  if (!Setup()) return std::move(r_);
  for (int round = 1; round <= kRounds && r_.failures.empty(); ++round) Round(round);
  if (r_.failures.empty()) {
    // A prune alone, afterwards: whatever crashed actors left is removed.
    auto b = OpenPlain();
    PruneOptions o;
    o.max_unused = 0;
    o.abandoned_after = std::chrono::seconds(0);
    o.references = SnapshotReferences;
    if (b) {
      auto pruned = Prune(*b, o);
      if (!pruned.ok()) Fail("the quiet prune: " + pruned.status().ToString());
    }
    Verify("after a quiet prune", /*quiet=*/true);
  }
  r_.stats.schedules = 1;
  return std::move(r_);
}

}  // namespace

InitOptions SmallScheduleBasin(std::string password) {
  InitOptions init;
  init.password = std::move(password);
  init.kdf = {1, 8 << 10};
  init.settings.chunker = {16 << 10, 64 << 10, 256 << 10};
  init.settings.data_stratum_size = 1 << 20;  // the least a config allows
  init.settings.meta_stratum_size = 1 << 20;
  init.settings.checkpoint_interval = 4;
  return init;
}

void WriteTree(const std::string& root, int host, int version, int from) {
  std::filesystem::create_directories(root + "/sub");
  const std::vector<FileSpec> now = TreeFiles(host, version);
  const std::vector<FileSpec> old = from >= 0 ? TreeFiles(host, from) : std::vector<FileSpec>{};
  for (size_t i = 0; i < now.size(); ++i) {
    if (!old.empty() && old[i].data == now[i].data) continue;
    const std::string path = root + "/" + now[i].path;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) continue;  // the comparison then reports it
    const ssize_t n = ::write(fd, now[i].data.data(), now[i].data.size());
    (void)n;
    ::fchmod(fd, 0644);
    ::close(fd);
    SetMtime(path, now[i].mtime);
  }
  SetMtime(root + "/sub", 1'700'000'000 + version);
  SetMtime(root, 1'700'000'000 + version);
}

const std::string& ScheduleRunner::Reference(int host, int version) {
  auto it = made_.find({host, version});
  if (it == made_.end()) {
    const std::string dir = fmt::format("{}/h{}v{}", refs_.path(), host, version);
    WriteTree(dir, host, version, -1);
    it = made_.emplace(std::pair{host, version}, dir).first;
  }
  return it->second;
}

ScheduleResult ScheduleRunner::Run(uint64_t seed, bool keep_trace) {
  return Schedule(*this, seed, keep_trace).Run();
}

void ScheduleStats::Add(const ScheduleStats& o) {
  schedules += o.schedules;
  rounds += o.rounds;
  steps += o.steps;
  crashes += o.crashes;
  deletes_raced += o.deletes_raced;
  reads_rerouted += o.reads_rerouted;
  backups_refused += o.backups_refused;
  strata_rescued += o.strata_rescued;
  prunes_superseded += o.prunes_superseded;
  restores += o.restores;
  tables_left += o.tables_left;
}

std::string ScheduleStats::Summary(double seconds) const {
  return fmt::format(
      "{} schedules ({} rounds, {} store calls) in {:.1f} s: {} crashes injected, {} stratum "
      "deletes raced with a backup or restore, {} restores rerouted (R1), {} backups refused "
      "(W3), {} strata rescued (P5/P6), {} prunes superseded (M6), {} restores compared, {} "
      "index tables left unreferenced",
      schedules, rounds, steps, seconds, crashes, deletes_raced, reads_rerouted, backups_refused,
      strata_rescued, prunes_superseded, restores, tables_left);
}

std::string ScheduleResult::Report(uint64_t seed) const {
  std::string out = fmt::format(
      "schedule seed {} (rerun: BASIN_SCHEDULE_SEED={} BASIN_SCHEDULES=1 "
      "BASIN_SCHEDULE_TRACE=1)\n",
      seed, seed);
  for (const std::string& f : failures) out += "  FAIL " + f + "\n";
  for (const std::string& t : trace) out += "  " + t + "\n";
  return out;
}

}  // namespace basin::testing
