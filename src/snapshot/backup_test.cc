// Backup and restore of real directory trees, compared entry by entry (tests/tree_compare.h),
// on every store: memory, a local directory and S3 (radosgw). The cases are ones users
// have reported against other backup tools.
#include "basin/backup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "awkward_tree.h"
#include "basin/file_store.h"
#include "basin/forget.h"
#include "basin/maintenance.h"
#include "basin/memory_store.h"
#include "cli_test_util.h"
#include "s3_test_store.h"
#include "test_util.h"
#include "tree_compare.h"

namespace basin {
namespace {

using basin::testing::CompareTrees;
using basin::testing::MakeAwkwardTree;
using basin::testing::RandomBytes;
using basin::testing::SetTimes;
using basin::testing::Slurp;
using basin::testing::TempDir;
using basin::testing::Write;

struct StoreKind {
  std::string name;
  std::function<std::shared_ptr<ObjectStore>(const std::string& dir)> make;
};
void PrintTo(const StoreKind& k, std::ostream* os) { *os << k.name; }

class BackupTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    auto store = GetParam().make(dir_.path());
    ASSERT_NE(store, nullptr);
    BasinOptions o;
    o.store = store;
    InitOptions init;
    init.password = "pw";
    init.kdf = {1, 8 << 10};
    init.settings.chunker = {16 << 10, 64 << 10, 256 << 10};
    auto b = Basin::Init(o, init);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    basin_ = std::move(b).value();
    src_ = dir_.path() + "/src";
    std::filesystem::create_directories(src_);
  }

  BackupResult MustBackup(BackupOptions o) {
    if (o.paths.empty()) o.paths = {src_};
    std::vector<std::string> warnings;
    o.warning = [&](const std::string& p, const Status& s) {
      warnings.push_back(p + ": " + s.ToString());
    };
    auto r = Backup(*basin_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& w : warnings) ADD_FAILURE() << "warning: " << w;
    return r.ok() ? *r : BackupResult{};
  }

  // Restores `s` (the source directory in it) and compares it with the source.
  void ExpectRestoresExactly(const Snapshot& s, const std::string& name = "out") {
    RestoreOptions o;
    o.target = dir_.path() + "/" + name;
    o.path = src_;
    o.verify = true;
    auto r = Restore(*basin_, s, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->warnings, 0u);
    const auto diffs = CompareTrees(src_, o.target);
    for (const auto& d : diffs) ADD_FAILURE() << d;
  }

  TempDir dir_;
  std::unique_ptr<Basin> basin_;
  std::string src_;
};

TEST_P(BackupTest, EveryKindOfEntryRoundTripsExactly) {
  MakeAwkwardTree(src_);
  const BackupResult r = MustBackup({});
  EXPECT_EQ(r.errors, 0u);
  EXPECT_GT(r.snapshot.summary.files_new, 10u);
  ExpectRestoresExactly(r.snapshot);
  // The restored sparse file is still sparse.
  struct stat st;
  ASSERT_EQ(::stat((dir_.path() + "/out/sparse").c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);
}

TEST_P(BackupTest, PathsLongerThan4096BytesRoundTrip) {
  std::string deep = src_;
  // 24 levels of 200-byte names: 4,800 bytes and more below the source.
  int fd = ::open(src_.c_str(), O_RDONLY | O_DIRECTORY);
  for (int i = 0; i < 24; ++i) {
    const std::string name = std::string(199, 'd') + char('a' + i % 26);
    ASSERT_EQ(::mkdirat(fd, name.c_str(), 0755), 0);
    const int next = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY);
    ::close(fd);
    fd = next;
    deep += "/" + name;
  }
  const int f = ::openat(fd, "deep-file", O_WRONLY | O_CREAT, 0644);
  ASSERT_EQ(::write(f, "at the bottom", 13), 13);
  ::close(f);
  ::close(fd);
  ASSERT_GT(deep.size(), 4096u);
  const BackupResult r = MustBackup({});
  EXPECT_EQ(r.snapshot.summary.files_new, 1u);
  ExpectRestoresExactly(r.snapshot);
}

TEST_P(BackupTest, AnUnchangedFileIsNotReadAgainButAChangedOneIsEvenWithItsTimesKept) {
  Write(src_ + "/a", RandomBytes(200000, 1));
  Write(src_ + "/b", RandomBytes(200000, 2));
  const BackupResult first = MustBackup({});
  const BackupResult second = MustBackup({});
  EXPECT_EQ(second.snapshot.summary.bytes_read, 0u);
  EXPECT_EQ(second.snapshot.summary.files_unchanged, 2u);
  EXPECT_EQ(second.snapshot.parent, first.snapshot.id);
  // The source's tree is the same grain (the directories above it, such as /tmp, change).
  EXPECT_EQ(FindPath(*basin_, second.snapshot.root, src_)->subtree,
            FindPath(*basin_, first.snapshot.root, src_)->subtree);
  // Same size, same mtime, other bytes: only the ctime tells.
  struct stat st;
  ASSERT_EQ(::stat((src_ + "/a").c_str(), &st), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Write(src_ + "/a", RandomBytes(200000, 3));
  SetTimes(src_ + "/a", st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  const BackupResult third = MustBackup({});
  EXPECT_EQ(third.snapshot.summary.files_changed, 1u);
  EXPECT_EQ(third.snapshot.summary.files_unchanged, 1u);
  ExpectRestoresExactly(third.snapshot);
}

// Access times change whenever a file is read (or a directory listed): recorded, they would
// make every tree new in every backup.
void SetAccessTime(const std::string& path, int64_t sec) {
  const timespec t[2] = {{sec, 0}, {0, UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

TEST_P(BackupTest, AccessTimesAreLeftOutSoReadingFilesChangesNoTree) {
  std::filesystem::create_directories(src_ + "/d");
  Write(src_ + "/d/a", RandomBytes(5000, 1));
  // Old access times (setting them changes the ctime: before the first backup), which the
  // reads below update (without noatime, even under relatime: they are older than mtime).
  SetAccessTime(src_ + "/d/a", 1000000);
  SetAccessTime(src_ + "/d", 2000000);
  const BackupResult first = MustBackup({});
  EXPECT_EQ(Slurp(src_ + "/d/a").size(), 5000u);
  for (const auto& e : std::filesystem::directory_iterator(src_ + "/d")) (void)e;
  const BackupResult second = MustBackup({});
  EXPECT_EQ(FindPath(*basin_, second.snapshot.root, src_)->subtree,
            FindPath(*basin_, first.snapshot.root, src_)->subtree);
  // Restored files get their mtime as access time.
  RestoreOptions o;
  o.target = dir_.path() + "/out";
  o.path = src_;
  ASSERT_OK(Restore(*basin_, second.snapshot, o));
  struct stat st;
  ASSERT_EQ(::stat((o.target + "/d/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, st.st_mtim.tv_sec);
  EXPECT_EQ(st.st_atim.tv_nsec, st.st_mtim.tv_nsec);
}

TEST_P(BackupTest, WithAtimeAccessTimesAreRecordedAndRestored) {
  Write(src_ + "/a", RandomBytes(5000, 1));
  SetAccessTime(src_ + "/a", 1234567);
  BackupOptions o;
  o.with_atime = true;
  const BackupResult r = MustBackup(o);
  RestoreOptions ro;
  ro.target = dir_.path() + "/out";
  ro.path = src_;
  ASSERT_OK(Restore(*basin_, r.snapshot, ro));
  struct stat st;
  ASSERT_EQ(::stat((ro.target + "/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1234567);
}

TEST_P(BackupTest, ExcludesLeaveOutWhatTheyMatch) {
  std::filesystem::create_directories(src_ + "/keep/cache");
  std::filesystem::create_directories(src_ + "/skip-dir");
  Write(src_ + "/keep/a.txt", "a");
  Write(src_ + "/keep/b.o", "object");
  Write(src_ + "/skip-dir/c", "c");
  Write(src_ + "/keep/cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
  Write(src_ + "/keep/cache/big", "cached");
  BackupOptions o;
  o.excludes = {"*.o", src_ + "/skip-dir"};
  o.exclude_caches = true;
  const BackupResult r = MustBackup(o);
  std::vector<std::string> paths;
  ASSERT_OK(WalkTree(*basin_, r.snapshot.root, src_,
                     [&](const std::string& p, const TreeEntry&) -> Result<bool> {
                       paths.push_back(p.substr(src_.size()));
                       return true;
                     }));
  EXPECT_EQ(paths, (std::vector<std::string>{"/keep", "/keep/a.txt"}));
}

TEST_P(BackupTest, RestoreHonoursIncludesExcludesAndOverwrite) {
  std::filesystem::create_directories(src_ + "/d");
  Write(src_ + "/d/x.txt", "x");
  Write(src_ + "/d/y.log", "y");
  const BackupResult r = MustBackup({});
  RestoreOptions o;
  o.target = dir_.path() + "/part";
  o.path = src_;
  o.includes = {"*.txt"};
  ASSERT_TRUE(Restore(*basin_, r.snapshot, o).ok());
  EXPECT_TRUE(std::filesystem::exists(o.target + "/d/x.txt"));
  EXPECT_FALSE(std::filesystem::exists(o.target + "/d/y.log"));
  // Never overwrite: a changed file is left as it is.
  Write(o.target + "/d/x.txt", "local change");
  o.includes.clear();
  o.overwrite = Overwrite::kNever;
  auto again = Restore(*basin_, r.snapshot, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->skipped, 1u);
  std::ifstream in(o.target + "/d/x.txt");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "local change");
  o.overwrite = Overwrite::kAlways;
  ASSERT_TRUE(Restore(*basin_, r.snapshot, o).ok());
  EXPECT_TRUE(CompareTrees(src_, o.target).empty());
}

// Each file is written to a temporary name beside its target and renamed into place. With
// the working directory on another file system (tmpfs here), a temporary file made there
// could not be renamed (EXDEV) and nothing would be restored.
TEST_P(BackupTest, RestoreWorksWhateverFileSystemTheWorkingDirectoryIsOn) {
  std::filesystem::create_directories(src_ + "/d");
  Write(src_ + "/a.txt", "a");
  Write(src_ + "/d/b.txt", "b");
  const BackupResult r = MustBackup({});
  std::string cwd_tmpl = "/dev/shm/basin-cwd-XXXXXX";
  ASSERT_NE(::mkdtemp(cwd_tmpl.data()), nullptr) << "mkdtemp in /dev/shm";
  const std::string cwd = cwd_tmpl;
  struct stat at_cwd, at_target;
  ASSERT_EQ(::stat(cwd.c_str(), &at_cwd), 0);
  ASSERT_EQ(::stat(dir_.path().c_str(), &at_target), 0);
  ASSERT_NE(at_cwd.st_dev, at_target.st_dev) << "the test needs two file systems";
  const auto previous = std::filesystem::current_path();
  ASSERT_EQ(::chdir(cwd.c_str()), 0);
  RestoreOptions o;
  o.target = dir_.path() + "/restored";
  o.path = src_;
  auto restored = Restore(*basin_, r.snapshot, o);
  std::filesystem::current_path(previous);
  const bool cwd_empty = std::filesystem::is_empty(cwd);
  std::filesystem::remove_all(cwd);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->errors, 0u);
  EXPECT_TRUE(CompareTrees(src_, o.target).empty());
  EXPECT_TRUE(cwd_empty) << "a restore left files in the working directory";
}

// Regression: with includes, restore created every directory of the snapshot, empty ones
// included; only the directories leading to what is included are created.
TEST_P(BackupTest, RestoreWithIncludesCreatesOnlyTheDirectoriesLeadingToMatches) {
  std::filesystem::create_directories(src_ + "/d/deep");
  std::filesystem::create_directories(src_ + "/logs/old");
  std::filesystem::create_directories(src_ + "/empty");
  Write(src_ + "/d/deep/x.txt", "x");
  Write(src_ + "/logs/y.log", "y");
  Write(src_ + "/logs/old/z.log", "z");
  SetTimes(src_ + "/d/deep", 1'500'000'000, 7);
  const BackupResult r = MustBackup({});
  RestoreOptions o;
  o.target = dir_.path() + "/part";
  o.path = src_;
  o.includes = {"*.txt"};
  auto restored = Restore(*basin_, r.snapshot, o);
  ASSERT_OK(restored);
  EXPECT_EQ(Slurp(o.target + "/d/deep/x.txt"), "x");
  EXPECT_FALSE(std::filesystem::exists(o.target + "/logs"));
  EXPECT_FALSE(std::filesystem::exists(o.target + "/empty"));
  EXPECT_EQ(restored->dirs, 2u);  // d and d/deep
  // The directories that are created get their metadata.
  struct stat st;
  ASSERT_EQ(::stat((o.target + "/d/deep").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'500'000'000);
  // A directory that matches is restored with what is below it that matches.
  o.target = dir_.path() + "/logs";
  o.includes = {src_ + "/logs"};
  ASSERT_OK(Restore(*basin_, r.snapshot, o));
  EXPECT_EQ(Slurp(o.target + "/logs/old/z.log"), "z");
  EXPECT_FALSE(std::filesystem::exists(o.target + "/d"));
}

// Regression: sockets were skipped on restore without a word. Restore does not create
// them (a socket is its server's to create, as in tar and restic), but names and counts
// each one.
TEST_P(BackupTest, ASocketIsNotRestoredButReportedAndCounted) {
  Write(src_ + "/f", "file");
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = src_ + "/sock";
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(sock);
  const BackupResult r = MustBackup({});
  RestoreOptions o;
  o.target = dir_.path() + "/out";
  o.path = src_;
  std::vector<std::string> warned;
  o.warning = [&](const std::string& path, const Status&) { warned.push_back(path); };
  auto restored = Restore(*basin_, r.snapshot, o);
  ASSERT_OK(restored);
  EXPECT_EQ(warned, std::vector<std::string>{o.target + "/sock"});
  EXPECT_EQ(restored->others, 0u);
  EXPECT_EQ(restored->sockets_skipped, 1u);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(o.target + "/sock")));
  EXPECT_EQ(Slurp(o.target + "/f"), "file");
}

TEST_P(BackupTest, DiffNamesAddedRemovedModifiedAndMetadataOnlyChanges) {
  Write(src_ + "/same", "same");
  Write(src_ + "/gone", "gone");
  Write(src_ + "/edited", "v1");
  Write(src_ + "/chmodded", "c");
  const BackupResult a = MustBackup({});
  std::filesystem::remove(src_ + "/gone");
  Write(src_ + "/new", "new");
  Write(src_ + "/edited", "v2, longer");
  ::chmod((src_ + "/chmodded").c_str(), 0600);
  const BackupResult b = MustBackup({});
  std::map<std::string, char> seen;
  ASSERT_OK(DiffTrees(*basin_, a.snapshot.root, b.snapshot.root, [&](const DiffEntry& d) {
    seen[d.path.substr(d.path.rfind('/') + 1)] = d.kind;
    return Status::OK();
  }));
  EXPECT_EQ(seen["gone"], '-');
  EXPECT_EQ(seen["new"], '+');
  EXPECT_EQ(seen["edited"], 'M');
  EXPECT_EQ(seen["chmodded"], 'U');
  EXPECT_EQ(seen.count("same"), 0u);
}

TEST_P(BackupTest, ADryRunWritesNothing) {
  Write(src_ + "/f", RandomBytes(100000, 9));
  const uint64_t before = basin_->sequence();
  BackupOptions o;
  o.dry_run = true;
  const BackupResult r = MustBackup(o);
  EXPECT_EQ(r.snapshot.summary.files_new, 1u);
  EXPECT_EQ(basin_->sequence(), before);
  EXPECT_TRUE(ListSnapshots(*basin_)->empty());
}

// Issue 12's measure: 30 snapshots, 20 forgotten, a prune; the basin is then no larger
// than a fresh basin holding only the 10 kept snapshots, checks clean, and every kept
// snapshot restores exactly.
TEST_P(BackupTest, PruneAfterForgettingTwentyOfThirtyLeavesNoMoreThanAFreshBasinOfTheRest) {
  for (int i = 0; i < 30; ++i) {
    Write(src_ + "/f" + std::to_string(i), RandomBytes(150000, 500 + i));
    if (i >= 3) {
      ASSERT_EQ(::unlink((src_ + "/f" + std::to_string(i - 3)).c_str()), 0);
    }
    Write(src_ + "/log", RandomBytes(20000 * (i + 1), 7));  // grows: shares its start
    MustBackup({});
  }
  auto all = *ListSnapshots(*basin_);
  ASSERT_EQ(all.size(), 30u);
  {
    auto w = *basin_->NewWriter();
    for (int i = 0; i < 20; ++i) ASSERT_OK(w->RemoveSnapshot(all[i].id));
    ASSERT_OK(w->Commit());
  }
  PruneOptions po;
  po.references = SnapshotReferences;
  auto pruned = Prune(*basin_, po);
  ASSERT_OK(pruned);
  EXPECT_GT(pruned->strata_deleted, 10u);
  CheckOptions co;
  co.read_data = true;
  co.references = SnapshotReferences;
  auto check = CheckBasin(*basin_, co);
  ASSERT_OK(check);
  for (const auto& p : check->problems) ADD_FAILURE() << p.object << ": " << p.message;
  EXPECT_TRUE(check->unreferenced.empty());
  // A fresh basin of the kept snapshots: each restored, then backed up into it.
  BasinOptions fo;
  fo.store = NewMemoryStore();
  InitOptions init;
  init.password = "pw";
  init.kdf = {1, 8 << 10};
  init.settings.chunker = {16 << 10, 64 << 10, 256 << 10};
  auto fresh = *Basin::Init(fo, init);
  for (int i = 20; i < 30; ++i) {
    RestoreOptions ro;
    ro.target = dir_.path() + "/kept" + std::to_string(i);
    ro.path = src_;
    ro.verify = true;
    ASSERT_OK(Restore(*basin_, *ReadSnapshot(*basin_, all[i].id), ro));
    BackupOptions bo;
    bo.paths = {ro.target};
    ASSERT_OK(Backup(*fresh, bo));
  }
  const auto ours = *ComputeStats(*basin_), theirs = *ComputeStats(*fresh);
  // Prune leaves up to --max-unused (5%) unused, and which strata end up partly used
  // depends on how parallel reads interleaved; more, smaller strata also carry more
  // headers and indexes than the fresh basin's. Runs have come to 9-15.4% over: 20% is the
  // bound (with nothing of the 20 forgotten snapshots freed it would be over 1.5x).
  EXPECT_LE(ours.strata_bytes, theirs.strata_bytes * 120 / 100)
      << ours.strata_bytes << " bytes against a fresh basin's " << theirs.strata_bytes;
  // And a second prune finds nothing wholly unused left to delete.
  po.dry_run = true;
  auto again = Prune(*basin_, po);
  ASSERT_OK(again);
  EXPECT_EQ(again->strata_deleted, 0u);
  // The newest restores exactly as the source is now.
  ExpectRestoresExactly(*ReadSnapshot(*basin_, all[29].id));
}

std::shared_ptr<ObjectStore> FileStoreIn(const std::string& dir) {
  return *OpenFileStore(dir + "/basin");
}

INSTANTIATE_TEST_SUITE_P(
    Stores, BackupTest,
    ::testing::Values(
        StoreKind{"Memory", [](const std::string&) { return NewMemoryStore(); }},
        StoreKind{"File", FileStoreIn},
        StoreKind{"S3", [](const std::string&) { return basin::testing::NewS3TestStore(); }}),
    [](const auto& info) { return info.param.name; });

class BackupLargeTest : public BackupTest {};

// A 5 GiB file that is mostly a hole is backed up and restored without reading or writing
// the hole, and stays sparse.
TEST_P(BackupLargeTest, ASparseFileOver4GiBStaysSparse) {
  const int fd = ::open((src_ + "/big").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "start", 5, 0), 5);
  ASSERT_EQ(::pwrite(fd, "past 4 GiB", 10, (off_t{4} << 30) + 12345), 10);
  ASSERT_EQ(::ftruncate(fd, off_t{5} << 30), 0);
  ::close(fd);
  const BackupResult r = MustBackup({});
  EXPECT_LT(r.snapshot.summary.bytes_read, 1u << 20);
  ExpectRestoresExactly(r.snapshot);
  struct stat st;
  ASSERT_EQ(::stat((dir_.path() + "/out/big").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, off_t{5} << 30);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);
}

TEST_P(BackupLargeTest, ADirectoryOf100000EntriesRoundTrips) {
  const int fd = ::open(src_.c_str(), O_RDONLY | O_DIRECTORY);
  for (int i = 0; i < 100000; ++i) {
    const std::string name = "f" + std::to_string(i);
    const int f = ::openat(fd, name.c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(f, 0);
    if (i % 1000 == 0) {
      ASSERT_EQ(::write(f, name.data(), name.size()), ssize_t(name.size()));
    }
    ::close(f);
  }
  ::close(fd);
  const BackupResult r = MustBackup({});
  EXPECT_EQ(r.snapshot.summary.files_new, 100000u);
  ExpectRestoresExactly(r.snapshot);
}

INSTANTIATE_TEST_SUITE_P(File, BackupLargeTest, ::testing::Values(StoreKind{"File", FileStoreIn}),
                         [](const auto& info) { return info.param.name; });

Snapshot At(int64_t sec, std::string host = "h") {
  Snapshot s;
  s.time_ns = sec * 1'000'000'000;
  s.host = std::move(host);
  s.paths = {"/data"};
  s.id = Blake3Hash(std::to_string(sec) + s.host);
  return s;
}

TEST(ForgetTest, RulesKeepTheNewestOfEachBucketPerHostAndPaths) {
  std::vector<Snapshot> all;
  const int64_t day = 86400, base = 1'700'000'000;  // hours of 2023-11-14
  for (int d = 0; d < 10; ++d) {
    all.push_back(At(base + d * day));
    all.push_back(At(base + d * day + 3600));  // a second one each day
  }
  all.push_back(At(base, "other"));
  ForgetPolicy p;
  p.keep_daily = 3;
  p.keep_last = 1;
  auto decided = ApplyForgetPolicy(all, p);
  int kept_h = 0, kept_other = 0;
  for (const auto& d : decided) {
    if (d.keep) {
      (d.snapshot.host == "h" ? kept_h : kept_other)++;
    }
  }
  EXPECT_EQ(kept_h, 3);      // the newest of the last three days (the newest is also "last")
  EXPECT_EQ(kept_other, 1);  // its own group
  ForgetPolicy within;
  within.keep_within = *ParseDuration("2d");
  decided = ApplyForgetPolicy(all, within);
  int kept = 0;
  for (const auto& d : decided) kept += d.keep && d.snapshot.host == "h";
  // From the newest minus two days, inclusive: one of day 7 and both of days 8 and 9.
  EXPECT_EQ(kept, 5);
  EXPECT_FALSE(ParseDuration("3x").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_EQ(ParseDuration("1w1d")->count(), 8 * day);
}

}  // namespace
}  // namespace basin
