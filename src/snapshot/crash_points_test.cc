// A crash at every store call of a backup, a commit, a resume and a prune after forget, in
// each of the file store's three crash states (tests/crash_store.h says which real crash
// each models), and an I/O error at every such call that the process survives (the
// operation fails or gets past it): the basin opens, checks clean (with data), every snapshot and
// blob acknowledged before the crash is there byte for byte, a snapshot the crash committed
// unacknowledged restores whole too, and a new backup and check after it work.
// docs/RELIABILITY.md, section 1.
//
// Each operation runs once without a crash, to count its mutating store calls n, then
// once per crash point k = 1, 1 + stride, ... n and crash state, each time on a fresh copy
// of the basin it started from. One thread makes every store call in one order
// (tests/deterministic.h), so call k is the same call in every run.
//   BASIN_CRASH_STRIDE=1 build/tests/crash_points_test      every point (the CI default
//                                                            in release; 4 under ASan)
//   BASIN_CRASH_TRACE=1 ...                                  also lists each operation's calls
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "basin/backup.h"
#include "basin/maintenance.h"
#include "basin/memory_store.h"
#include "basin/snapshot.h"
#include "crash_store.h"
#include "deterministic.h"
#include "hook_store.h"
#include "snapshot/schedule_runner.h"
#include "store/file_store.h"
#include "test_util.h"
#include "tree_compare.h"

namespace basin {
namespace {

using testing::CrashMode;
using testing::CrashStore;
using Tree = std::pair<int, int>;  // (host, version) of schedule_runner.h's WriteTree

constexpr char kPassword[] = "correct horse";
constexpr CrashMode kModes[] = {CrashMode::kUnsyncedDropped, CrashMode::kLastWriteTorn,
                                CrashMode::kRenameNotDurable, CrashMode::kCallFails};
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kDefaultStride = 4;  // ASan+UBSan: every fourth point
#else
constexpr uint64_t kDefaultStride = 1;
#endif

// The survivor of a torn write is a file store directory; it need not survive another
// crash, so it skips fsync (fast on any disk).
class NoSyncOps : public FsOps {
 public:
  int Fsync(int) override { return 0; }
};

// What a basin holds that must stay whole: snapshots (and the tree each restores to), blobs.
struct Holdings {
  std::map<GrainId, Tree> snapshots;
  std::map<GrainId, std::string> blobs;
};

// What a run of an operation was told: the snapshots and blobs whose commit returned OK,
// the snapshots whose removal did; and, for the dry run's sanity checks, what it did.
struct Acked {
  Holdings added;
  std::set<GrainId> forgotten;
  uint64_t strata_adopted = 0, index_tables_merged = 0;
  PruneReport prune;
};

struct Operation {
  std::string name;
  std::shared_ptr<ObjectStore> before;  // the basin it starts from (copied for each run)
  Holdings held;                        // what `before` holds
  std::optional<Tree> makes;            // the tree of the snapshot it backs up, if it does
  std::set<GrainId> may_forget;         // snapshots of `held` it removes
  std::function<Status(Basin&, Acked*)> run;
};

// How many points were tried, and in how long.
struct Tally {
  uint64_t calls = 0, points = 0, failed = 0;
  double seconds = 0;
};

class CrashPointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::InstallDeterministicProcess())
        << "the default executor was in use before the test could replace it";
    testing::WriteTree(Source(0), 0, 0, -1);
    testing::WriteTree(Source(1), 1, 0, -1);
  }

  std::string Source(int host) const { return fmt::format("{}/host{}", work_.path(), host); }

  BasinOptions Options(std::shared_ptr<ObjectStore> store) {
    BasinOptions o;
    o.store = std::move(store);
    o.host = "crash-test";
    o.executor = testing::NoThreads();
    o.block_cache = std::make_shared<BlockCache>(size_t{1} << 20);  // one per "process"
    o.warning = [this](std::string_view m) { warnings_.emplace_back(m); };
    return o;
  }

  // Backs up host's source; its snapshot goes to *made when it commits, and how many
  // strata it adopted to *adopted.
  Status BackupOf(Basin& b, int host, GrainId* made, uint64_t* adopted = nullptr) {
    BackupOptions o;
    o.paths = {Source(host)};
    o.host = fmt::format("h{}", host);
    o.checkpoint_interval = std::chrono::seconds(0);  // no timer thread
    o.warning = [this](const std::string& p, const Status& s) {
      warnings_.push_back(p + ": " + s.ToString());
    };
    auto r = Backup(b, o);
    if (r.ok()) *made = r->snapshot.id;
    if (r.ok() && adopted != nullptr) *adopted = r->strata_adopted;
    return r.status();
  }

  // A basin with one snapshot, of host 0's tree at version 0; the source is then at version 1.
  std::shared_ptr<ObjectStore> BasinWithOneSnapshot(Holdings* held);
  // Runs a backup of host's source on `store` killed just before its journal record: its
  // sealed strata, tail copies and markers are left for a resume or a prune.
  void KilledBackup(const std::shared_ptr<ObjectStore>& store, int host);
  // Every crash point of `op` in every crash state; the figures go to stdout.
  void CrashEverywhere(const Operation& op, const std::function<void(const Acked&)>& dry_check);
  // One crash point; failures are appended to failures_.
  void CrashAt(const Operation& op, CrashMode mode, uint64_t k);
  // The checks after a crash, on the basin that survived it.
  // `temps`: how many torn temp files the survivor holds (the next prune sweeps them).
  void Verify(const Operation& op, const Acked& acked, std::shared_ptr<ObjectStore> survivor,
              const std::string& where, uint64_t temps);
  // check --read-data; its problems fail. Returns what it found unreferenced.
  std::vector<std::string> CheckClean(Basin& b, const std::string& where);
  // Every acknowledged snapshot and blob is there, whole; every snapshot listed restores.
  void ExpectHoldings(Basin& b, const Operation& op, const Acked& acked, const std::string& where);
  void ExpectRestores(Basin& b, const GrainId& id, const Tree& tree, const std::string& where);
  void Fail(std::string what) { failures_.push_back(std::move(what)); }

  testing::TempDir work_;
  testing::ScheduleRunner refs_;  // the reference trees (Reference(host, version))
  NoSyncOps no_sync_;
  std::vector<std::string> warnings_;
  std::vector<std::string> failures_;
  int dirs_ = 0;
  uint64_t tables_left_ = 0;
};

// A memory store holding what `from` holds.
std::shared_ptr<ObjectStore> Copy(ObjectStore& from) {
  auto to = NewMemoryStore();
  auto keys = from.ListAll("");
  EXPECT_OK(keys);
  for (const ObjectInfo& o : keys.ok() ? *keys : std::vector<ObjectInfo>{}) {
    auto bytes = from.Get(o.key);
    EXPECT_OK(bytes);
    if (bytes.ok()) EXPECT_OK(to->Put(o.key, *bytes));
  }
  return to;
}

std::shared_ptr<ObjectStore> CrashPointsTest::BasinWithOneSnapshot(Holdings* held) {
  auto store = NewMemoryStore();
  testing::SeedThisThread(1);
  auto b = Basin::Init(Options(store), testing::SmallScheduleBasin(kPassword));
  EXPECT_OK(b);
  if (!b.ok()) return store;
  GrainId s1;
  EXPECT_OK(BackupOf(**b, 0, &s1));
  held->snapshots[s1] = {0, 0};
  testing::WriteTree(Source(0), 0, 1, 0);
  return store;
}

void CrashPointsTest::KilledBackup(const std::shared_ptr<ObjectStore>& store, int host) {
  auto hooked = std::make_shared<testing::HookStore>(store);
  bool dead = false;
  hooked->before = [&dead](const testing::StoreCall& c) {
    dead = dead || (c.name == "put" && c.key.starts_with("journal/"));
    return dead ? Status::IOError("killed before its journal record") : Status::OK();
  };
  testing::SeedThisThread(2);
  auto b = Basin::Open(Options(hooked), kPassword);
  ASSERT_OK(b);
  GrainId unused;
  EXPECT_FALSE(BackupOf(**b, host, &unused).ok());
  EXPECT_TRUE(dead) << "the backup never reached its journal record";
}

void CrashPointsTest::CrashEverywhere(const Operation& op,
                                      const std::function<void(const Acked&)>& dry_check) {
  const uint64_t stride =
      std::max<uint64_t>(1, testing::EnvOr("BASIN_CRASH_STRIDE", kDefaultStride));
  // The dry run: no crash; it counts the calls.
  auto dry = std::make_shared<CrashStore>(Copy(*op.before), 0, CrashMode::kUnsyncedDropped);
  Acked acked;
  testing::SeedThisThread(3);
  {
    auto b = Basin::Open(Options(dry), kPassword);
    ASSERT_OK(b);
    ASSERT_OK(op.run(**b, &acked));
  }
  dry_check(acked);
  if (testing::EnvOr("BASIN_CRASH_TRACE", 0) != 0) {
    for (const std::string& line : dry->trace()) std::cout << "  " << line << "\n";
  }
  const uint64_t n = dry->calls();
  ASSERT_GT(n, 0u);
  Verify(op, acked, dry, op.name + " without a crash", 0);
  std::string figures = fmt::format("{}: {} mutating store calls; crash points tried:", op.name, n);
  uint64_t total = 0;
  for (CrashMode mode : kModes) {
    const auto start = std::chrono::steady_clock::now();
    uint64_t points = 0;
    for (uint64_t k = 1; k <= n && failures_.size() < 5; k += stride, ++points)
      CrashAt(op, mode, k);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    figures += fmt::format(" {} {} ({:.1f} s),", points, CrashModeName(mode), secs);
    total += points;
  }
  std::cout << figures << " " << total << " in all (stride " << stride << "); " << tables_left_
            << " index tables left unreferenced after the next prune\n";
  for (const std::string& f : failures_) ADD_FAILURE() << f;
}

void CrashPointsTest::CrashAt(const Operation& op, CrashMode mode, uint64_t k) {
  const std::string where =
      fmt::format("{}, crash at call {} ({})", op.name, k, CrashModeName(mode));
  auto durable = Copy(*op.before);
  auto crash = std::make_shared<CrashStore>(durable, k, mode);
  Acked acked;
  testing::SeedThisThread(3);
  {
    auto b = Basin::Open(Options(crash), kPassword);
    if (b.ok()) op.run(**b, &acked).IgnoreError();
  }  // the "process" is gone: its basin, writers and threads with it
  if (!crash->reached()) return Fail(where + ": the run made fewer calls than the dry run");
  const auto trace = crash->trace();
  const std::string call = where + " [" + trace.back() + "]";
  std::shared_ptr<ObjectStore> survivor = durable;
  std::string root;
  if (mode == CrashMode::kLastWriteTorn) {
    root = fmt::format("{}/survivor{}", work_.path(), dirs_++);
    if (Status s = testing::WriteFileStoreTree(*durable, crash->torn(), root); !s.ok()) {
      return Fail(call + ": laying out the survivor: " + s.ToString());
    }
    auto opened = OpenFileStoreWithOps(root, {}, &no_sync_);
    if (!opened.ok()) return Fail(call + ": " + opened.status().ToString());
    survivor = *opened;
  }
  Verify(op, acked, survivor, call, crash->torn() ? 1 : 0);
  if (!root.empty()) {
    auto left = SweepFileStore(root, std::chrono::seconds(0), /*dry_run=*/true);
    if (!left.ok() || left->removed != 0) Fail(call + ": temp files are left after the prune");
    std::filesystem::remove_all(root);
  }
}

std::vector<std::string> CrashPointsTest::CheckClean(Basin& b, const std::string& where) {
  CheckOptions co;
  co.read_data = true;
  co.references = SnapshotReferences;
  auto report = CheckBasin(b, co);
  if (!report.ok()) {
    Fail(where + ": check failed: " + report.status().ToString());
    return {};
  }
  for (const CheckProblem& p : report->problems) {
    Fail(fmt::format("{}: check: {} at {}: {}", where, p.object, p.offset, p.message));
  }
  return report->unreferenced;
}

void CrashPointsTest::ExpectHoldings(Basin& b, const Operation& op, const Acked& acked,
                                     const std::string& where) {
  std::set<GrainId> listed;
  for (const SnapshotEntry& e : b.Snapshots()) listed.insert(e.id);
  Holdings must = op.held;
  for (const auto& [id, tree] : acked.added.snapshots) must.snapshots[id] = tree;
  for (const auto& [id, bytes] : acked.added.blobs) must.blobs[id] = bytes;
  for (const auto& [id, tree] : must.snapshots) {
    if (acked.forgotten.contains(id)) {
      if (listed.contains(id)) Fail(where + ": a snapshot whose forget was acknowledged is listed");
    } else if (!listed.contains(id) && !op.may_forget.contains(id)) {  // (forgotten unacked)
      Fail(where + ": acknowledged snapshot " + id.ToHex().substr(0, 8) + " is lost");
    }
  }
  for (const GrainId& id : listed) {
    if (auto it = must.snapshots.find(id); it != must.snapshots.end()) {
      ExpectRestores(b, id, it->second, where);
    } else if (op.makes) {  // committed by the crashed backup, unacknowledged: whole too
      ExpectRestores(b, id, *op.makes, where);
    } else {
      Fail(where + ": snapshot " + id.ToHex().substr(0, 8) + " is listed, but nothing made it");
    }
  }
  for (const auto& [id, bytes] : must.blobs) {
    std::string out;
    Status s = b.ReadBlob(id, [&](std::string_view piece) {
      out.append(piece);
      return Status::OK();
    });
    if (!s.ok() || out != bytes) Fail(where + ": acknowledged blob lost: " + s.ToString());
  }
}

void CrashPointsTest::Verify(const Operation& op, const Acked& acked,
                             std::shared_ptr<ObjectStore> survivor, const std::string& where,
                             uint64_t temps) {
  warnings_.clear();
  testing::SeedThisThread(4);
  auto opened = Basin::Open(Options(survivor), kPassword);
  if (!opened.ok()) return Fail(where + ": the basin does not open: " + opened.status().ToString());
  Basin& b = **opened;
  CheckClean(b, where);
  ExpectHoldings(b, op, acked, where);
  GrainId made;
  if (Status s = BackupOf(b, 0, &made); !s.ok()) {
    return Fail(where + ": the next backup fails: " + s.ToString());
  }
  CheckClean(b, where + ", after the next backup");
  // The crash tables' last column: the next prune removes what the crash left.
  PruneOptions po;
  po.max_unused = 0;
  po.abandoned_after = std::chrono::seconds(0);
  po.references = SnapshotReferences;
  auto pruned = Prune(b, po);
  if (!pruned.ok()) return Fail(where + ": the next prune fails: " + pruned.status().ToString());
  if (pruned->uploads_swept != temps) {
    Fail(fmt::format("{}: the next prune swept {} temp files, not {}", where, pruned->uploads_swept,
                     temps));
  }
  for (const std::string& key : CheckClean(b, where + ", after the next prune")) {
    if (key.starts_with("index/")) {
      ++tables_left_;  // not collected yet: docs/format/maintenance.md, finding 2
    } else {
      Fail(where + ": the next prune left " + key);
    }
  }
  auto markers = survivor->ListAll("pending/");
  if (!markers.ok() || !markers->empty()) Fail(where + ": the next prune left markers");
  for (const std::string& w : warnings_) Fail(where + ": warned: " + w);
}

void CrashPointsTest::ExpectRestores(Basin& b, const GrainId& id, const Tree& tree,
                                     const std::string& where) {
  const std::string what = fmt::format("{}: snapshot {} (host {} version {})", where,
                                       id.ToHex().substr(0, 8), tree.first, tree.second);
  auto snap = ReadSnapshot(b, id);
  if (!snap.ok()) return Fail(what + ": " + snap.status().ToString());
  RestoreOptions o;
  o.target = fmt::format("{}/restore{}", work_.path(), dirs_++);
  o.path = Source(tree.first);
  auto done = Restore(b, *snap, o);
  if (!done.ok()) return Fail(what + " does not restore: " + done.status().ToString());
  if (done->errors > 0 || done->warnings > 0) Fail(what + ": the restore warned");
  for (const auto& d : testing::CompareTrees(refs_.Reference(tree.first, tree.second), o.target)) {
    Fail(what + " restores differently: " + d);
  }
  std::filesystem::remove_all(o.target);
}

TEST_F(CrashPointsTest, ABackupCrashedAtEveryCallLosesNothingAcknowledged) {
  Operation op;
  op.name = "backup";
  op.before = BasinWithOneSnapshot(&op.held);
  op.makes = Tree{0, 1};
  op.run = [this](Basin& b, Acked* a) {
    GrainId made;
    Status s = BackupOf(b, 0, &made);
    if (s.ok()) a->added.snapshots[made] = {0, 1};
    return s;
  };
  CrashEverywhere(op, [](const Acked&) {});
}

// Nine commits of one blob each (one of several chunks): some write a checkpoint, and the
// eighth small table makes the writer merge the index (a merge record and the deletion of
// its inputs).
TEST_F(CrashPointsTest, CommitsCrashedAtEveryCallLoseNothingAcknowledged) {
  Operation op;
  op.name = "commit";
  op.before = BasinWithOneSnapshot(&op.held);
  op.run = [](Basin& b, Acked* a) {
    auto w = b.NewWriter();
    if (!w.ok()) return w.status();
    for (int i = 0; i < 9; ++i) {
      const std::string data = testing::RandomBytes(i == 2 ? 200 << 10 : 3000 + 1000 * i, 50 + i);
      size_t at = 0;
      auto id = (*w)->PutBlob([&](char* buf, size_t n) -> Result<size_t> {
        const size_t k = std::min(n, data.size() - at);
        std::memcpy(buf, data.data() + at, k);
        at += k;
        return k;
      });
      if (!id.ok()) return id.status();
      auto seq = (*w)->Commit();
      if (!seq.ok()) return seq.status();
      a->added.blobs[*id] = data;
    }
    a->index_tables_merged = (*w)->stats().index_tables_merged;
    return Status::OK();
  };
  CrashEverywhere(op, [](const Acked& a) { EXPECT_GT(a.index_tables_merged, 0u); });
}

// A backup run again after one killed before its journal record adopts its data strata.
TEST_F(CrashPointsTest, AResumedBackupCrashedAtEveryCallLosesNothingAcknowledged) {
  Operation op;
  op.name = "resume";
  op.before = BasinWithOneSnapshot(&op.held);
  KilledBackup(op.before, 0);
  op.makes = Tree{0, 1};
  op.run = [this](Basin& b, Acked* a) {
    GrainId made;
    Status s = BackupOf(b, 0, &made, &a->strata_adopted);
    if (s.ok()) a->added.snapshots[made] = {0, 1};
    return s;
  };
  CrashEverywhere(op, [](const Acked& a) { EXPECT_GT(a.strata_adopted, 0u); });
}

// Snapshots of host 0 at versions 0 and 1, and a killed backup of host 1: a forget of the
// first, then a prune that deletes and repacks strata, collects the killed backup's
// uploads, deletes them and merges the index.
TEST_F(CrashPointsTest, APruneAfterForgetCrashedAtEveryCallLosesNothingAcknowledged) {
  Operation op;
  op.name = "prune";
  op.before = BasinWithOneSnapshot(&op.held);
  const GrainId first = op.held.snapshots.begin()->first;
  op.may_forget = {first};
  {
    testing::SeedThisThread(5);
    auto b = Basin::Open(Options(op.before), kPassword);
    ASSERT_OK(b);
    GrainId second;
    ASSERT_OK(BackupOf(**b, 0, &second));
    op.held.snapshots[second] = {0, 1};
  }
  KilledBackup(op.before, 1);
  op.run = [first](Basin& b, Acked* a) {
    auto w = b.NewWriter();
    if (!w.ok()) return w.status();
    BASIN_RETURN_IF_ERROR((*w)->RemoveSnapshot(first));
    BASIN_RETURN_IF_ERROR((*w)->Commit().status());
    a->forgotten.insert(first);
    PruneOptions o;
    o.max_unused = 0;
    o.abandoned_after = std::chrono::seconds(0);
    o.references = SnapshotReferences;
    auto r = Prune(b, o);
    if (r.ok()) a->prune = *r;
    return r.status();
  };
  CrashEverywhere(op, [](const Acked& a) {
    EXPECT_GT(a.prune.strata_deleted + a.prune.strata_repacked, 0u);
    EXPECT_GT(a.prune.strata_abandoned, 0u);
  });
}

}  // namespace
}  // namespace basin
