// basin backup, restore and the history commands, run as a user runs them: real processes,
// killed ones, two hosts at once, an unprivileged user meeting unreadable files.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "test_util.h"
#include "tree_compare.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::RunBasin;
using basin::testing::RunResult;
using basin::testing::Slurp;
using basin::testing::TempDir;
using basin::testing::WaitFor;

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

RunResult Basin(const std::string& dir, const std::string& args) {
  return RunBasin(BASIN_BINARY, dir, args);
}
pid_t Spawn(const std::vector<std::string>& args) {
  return basin::testing::Spawn(BASIN_BINARY, args);
}
int Wait(pid_t pid) { return WaitFor(pid); }

class BackupCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("BASIN_PASSWORD", "pw", 1);
    repo_ = dir_.path() + "/repo";
    src_ = dir_.path() + "/src";
    std::filesystem::create_directories(src_ + "/sub");
    ASSERT_EQ(Basin(dir_.path(), "init --repo " + repo_).code, 0);
  }
  RunResult Run(const std::string& args) { return Basin(dir_.path(), args + " --repo " + repo_); }

  TempDir dir_;
  std::string repo_, src_;
};

TEST_F(BackupCliTest, BackupSnapshotsLsDiffRestoreForgetRoundTrip) {
  Write(src_ + "/a", RandomBytes(300000, 1));
  Write(src_ + "/sub/b", "bee");
  RunResult first = Run("backup --tag first " + src_);
  ASSERT_EQ(first.code, 0) << first.err;
  Write(src_ + "/c", "new file");
  RunResult second = Run("backup --json " + src_);
  ASSERT_EQ(second.code, 0) << second.err;
  const auto summary =
      nlohmann::json::parse(second.out.substr(second.out.rfind('\n', second.out.size() - 2) + 1));
  EXPECT_EQ(summary["message_type"], "summary");
  EXPECT_EQ(summary["files_new"], 1);
  EXPECT_EQ(summary["files_unchanged"], 2);
  const auto snaps = nlohmann::json::parse(Run("snapshots --json").out);
  ASSERT_EQ(snaps.size(), 2u);
  EXPECT_EQ(snaps[0]["tags"][0], "first");
  const std::string older = snaps[0]["short_id"], newer = snaps[1]["short_id"];
  RunResult ls = Run("ls latest:" + src_);
  EXPECT_NE(ls.out.find(src_ + "/sub/b"), std::string::npos) << ls.out;
  RunResult diff = Run("diff " + older + " " + newer);
  EXPECT_NE(diff.out.find("+    " + src_ + "/c"), std::string::npos) << diff.out;
  const std::string out = dir_.path() + "/restored";
  RunResult restore = Run("restore latest:" + src_ + " --target " + out + " --verify");
  ASSERT_EQ(restore.code, 0) << restore.err;
  EXPECT_TRUE(basin::testing::CompareTrees(src_, out).empty());
  RunResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.code, 0) << forget.err;
  EXPECT_EQ(nlohmann::json::parse(Run("snapshots --json").out).size(), 1u);
  EXPECT_EQ(Run("check --read-data").code, 0);
}

// Regression (found by a tester): with a journal record lost in the middle, `snapshots`
// listed only the snapshots before it and exited 0. It now lists them and fails naming the
// missing record; a backup refuses to commit over it.
TEST_F(BackupCliTest, ALostJournalRecordMakesSnapshotsAndBackupFailNamingIt) {
  Write(src_ + "/a", "one");
  for (int i = 0; i < 3; ++i) {
    Write(src_ + "/a", "version " + std::to_string(i));
    ASSERT_EQ(Run("backup -q " + src_).code, 0);
  }
  const std::string lost = "journal/0000000000000002";
  ASSERT_TRUE(std::filesystem::remove(repo_ + "/" + lost));
  RunResult list = Run("snapshots");
  EXPECT_EQ(list.code, 1) << list.err;
  EXPECT_NE(list.out.find("1 snapshots"), std::string::npos) << list.out;
  EXPECT_NE(list.err.find(lost), std::string::npos) << list.err;
  RunResult backup = Run("backup -q " + src_);
  EXPECT_EQ(backup.code, 1) << backup.err;
  EXPECT_NE(backup.err.find(lost), std::string::npos) << backup.err;
  EXPECT_FALSE(std::filesystem::exists(repo_ + "/" + lost));
}

// Files the user cannot read are warned about and left out; the snapshot of the rest is
// written, and the exit code says so (4: not success, not a wrong password).
TEST_F(BackupCliTest, UnreadableFilesAreWarnedAboutSkippedAndExitFour) {
  const int code = basin::testing::RunUnprivileged([&] {
    TempDir mine;  // the unprivileged user's own
    const std::string src = mine.path() + "/mixed", repo = mine.path() + "/repo";
    std::filesystem::create_directories(src + "/locked-dir");
    Write(src + "/readable", "fine");
    Write(src + "/secret", "no");
    ::chmod((src + "/secret").c_str(), 0);
    ::chmod((src + "/locked-dir").c_str(), 0);
    if (Basin(mine.path(), "init --repo " + repo).code != 0) return 10;
    RunResult r = Basin(mine.path(), "backup --json --repo " + repo + " " + src);
    ::chmod((src + "/locked-dir").c_str(), 0755);
    if (r.out.find("\"error\"") == std::string::npos) return 11;
    RunResult ls = Basin(mine.path(), "ls latest --repo " + repo);
    if (ls.out.find("/readable") == std::string::npos) return 12;
    if (ls.out.find("/secret") != std::string::npos) return 13;
    return r.code;
  });
  EXPECT_EQ(code, 4) << "10: init, 11: no warning, 12: readable file missing, 13: secret kept";
}

// The summary of a backup, the last JSON line it printed (null when there is none).
nlohmann::json LastJsonLine(const std::string& out) {
  const size_t end = out.find_last_not_of('\n');
  if (end == std::string::npos) return nullptr;
  const size_t start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1,
                                          end + 1 - (start == std::string::npos ? 0 : start + 1)),
                               nullptr, false);
}

// Regression: a file that could not be opened was counted among the new files as well as
// among the errors.
TEST_F(BackupCliTest, AFileThatCannotBeOpenedCountsAsAnErrorOnlyNotAsNew) {
  const int code = basin::testing::RunUnprivileged([&] {
    TempDir mine;
    const std::string src = mine.path() + "/src", repo = mine.path() + "/repo";
    std::filesystem::create_directories(src);
    Write(src + "/readable", "fine");
    Write(src + "/secret", "no");
    ::chmod((src + "/secret").c_str(), 0);
    if (Basin(mine.path(), "init --repo " + repo).code != 0) return 10;
    RunResult r = Basin(mine.path(), "backup --json --repo " + repo + " " + src);
    if (r.code != 4) return 11;
    const auto summary = LastJsonLine(r.out);
    if (!summary.is_object() || summary["message_type"] != "summary") return 12;
    if (summary["errors"] != 1) return 13;
    if (summary["files_new"] != 1) return 14;
    if (summary["total_files_processed"] != 1) return 15;
    return 0;
  });
  EXPECT_EQ(code, 0) << "10: init, 11: exit code, 12: no summary, 13: errors, 14: files_new "
                        "counts the unreadable file, 15: so does total_files_processed";
}

// Regression: a directory that could not be listed was left out of the snapshot, so that
// restore did not recreate it. It is kept (its own metadata, empty) and counted as an error.
TEST_F(BackupCliTest, ADirectoryThatCannotBeListedIsKeptEmptyAndRestored) {
  const int code = basin::testing::RunUnprivileged([&] {
    TempDir mine;
    const std::string src = mine.path() + "/src", repo = mine.path() + "/repo";
    std::filesystem::create_directories(src + "/locked/inner");
    Write(src + "/locked/inner/f", "hidden");
    Write(src + "/readable", "fine");
    ::chmod((src + "/locked").c_str(), 0750);
    ::chmod((src + "/locked").c_str(), 0);
    if (Basin(mine.path(), "init --repo " + repo).code != 0) return 10;
    RunResult r = Basin(mine.path(), "backup --json --repo " + repo + " " + src);
    ::chmod((src + "/locked").c_str(), 0755);
    if (r.code != 4) return 11;
    if (LastJsonLine(r.out)["errors"] != 1) return 12;
    RunResult ls = Basin(mine.path(), "ls latest --repo " + repo);
    if (ls.out.find(src + "/locked\n") == std::string::npos) return 13;
    if (ls.out.find("/locked/inner") != std::string::npos) return 14;
    const std::string out = mine.path() + "/out";
    if (Basin(mine.path(), "restore latest:" + src + " --target " + out + " --repo " + repo).code !=
        0) {
      return 15;
    }
    struct stat st;
    if (::lstat((out + "/locked").c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return 16;
    if ((st.st_mode & 07777) != 0) return 17;
    ::chmod((out + "/locked").c_str(), 0755);
    return 0;
  });
  EXPECT_EQ(code, 0) << "10: init, 11: exit code, 12: errors, 13: directory left out, "
                        "14: contents listed, 15: restore failed, 16: not restored, 17: mode";
}

// Regression: forget --prune --dry-run showed the prune of the basin as it was, as if no
// snapshot were forgotten (nothing to free); it must show the prune after the forget.
TEST_F(BackupCliTest, ForgetPruneDryRunShowsThePruneAfterTheForget) {
  Write(src_ + "/a", RandomBytes(400000, 11));
  ASSERT_EQ(Run("backup " + src_).code, 0);
  std::filesystem::remove(src_ + "/a");
  Write(src_ + "/b", RandomBytes(400000, 12));
  ASSERT_EQ(Run("backup " + src_).code, 0);
  RunResult dry = Run("forget --keep-last 1 --prune --dry-run --json");
  ASSERT_EQ(dry.code, 0) << dry.err;
  const auto prune = LastJsonLine(dry.out);
  ASSERT_TRUE(prune.is_object()) << dry.out;
  EXPECT_EQ(prune["dry_run"], true);
  EXPECT_EQ(prune["snapshots"], 1) << dry.out;
  EXPECT_GE(prune["bytes_freed"].get<uint64_t>(), 400000u) << dry.out;
  // Nothing changed: both snapshots are still there, and a real prune frees nothing.
  EXPECT_EQ(nlohmann::json::parse(Run("snapshots --json").out).size(), 2u);
  RunResult now = Run("prune --dry-run --json");
  ASSERT_EQ(now.code, 0) << now.err;
  EXPECT_EQ(LastJsonLine(now.out)["bytes_freed"], 0) << now.out;
}

// A tree with every kind of entry tar can hold, and names that trip archivers.
void MakeDumpTree(const std::string& root) {
  namespace fs = std::filesystem;
  fs::create_directories(root + "/dir/sub/empty");
  Write(root + "/dir/random", RandomBytes(3 << 20, 21));
  Write(root + "/empty-file", "");
  Write(root + "/with space", "space");
  Write(root + std::string("/new\nline"), "newline");
  Write(root + std::string("/not-utf8-\xff\xfe"), "bytes");
  fs::create_directories(root + std::string("/dir-\x80"));
  Write(root + std::string("/dir-\x80/inner"), "inside an odd directory");
  fs::create_symlink("dir/random", root + "/link");
  fs::create_symlink(std::string("dangling-\xfe"), root + "/dangling");
  ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0640), 0);
  Write(root + "/hard-a", "linked");
  fs::create_hard_link(root + "/hard-a", root + "/dir/hard-b");
  Write(root + "/setuid", "mode");
  ::chmod((root + "/setuid").c_str(), 04751);
  Write(root + "/xattrs", "with attributes");
  ASSERT_EQ(::setxattr((root + "/xattrs").c_str(), "user.basin", "value\0x", 7, 0), 0);
  ASSERT_EQ(::lchown((root + "/dir/random").c_str(), 1234, 5678), 0);
  ASSERT_TRUE(basin::testing::WriteSparseFile(root + "/sparse"));
  const timespec t[2] = {{1'600'000'000, 123456789}, {1'600'000'000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (root + "/dir/random").c_str(), t, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (root + "/dir/sub").c_str(), t, 0), 0);
}

// dump of a directory writes a pax tar that GNU tar extracts into the very tree that was
// backed up: names as bytes, contents, modes, owners, nanosecond mtimes, symlinks, hard
// links, the FIFO and extended attributes.
TEST_F(BackupCliTest, DumpOfADirectoryIsATarThatExtractsToTheSameTree) {
  MakeDumpTree(src_);
  ASSERT_EQ(Run("backup " + src_).code, 0);
  const std::string tar = dir_.path() + "/out.tar";
  RunResult dump = Run("dump latest:" + src_ + " -o " + tar);
  ASSERT_EQ(dump.code, 0) << dump.err;
  EXPECT_EQ(dump.out, "");
  const std::string x = dir_.path() + "/x";
  std::filesystem::create_directories(x);
  ASSERT_EQ(std::system(("tar --xattrs -xpf " + tar + " -C " + x).c_str()), 0);
  for (const auto& d : basin::testing::CompareTrees(src_, x + src_)) {
    // tar writes a sparse file's holes as zeros (the comparer compares the data extents).
    if (d.find("/sparse: content differs") == std::string::npos) ADD_FAILURE() << d;
  }
  EXPECT_TRUE(Slurp(x + src_ + "/sparse") == Slurp(src_ + "/sparse"));
  struct stat a, b;
  ASSERT_EQ(::stat((x + src_ + "/hard-a").c_str(), &a), 0);
  ASSERT_EQ(::stat((x + src_ + "/dir/hard-b").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "the hard link was extracted as a copy";
  // The same archive on standard output, and with the path as restic gives it.
  RunResult to_stdout = Run("dump latest " + src_);
  ASSERT_EQ(to_stdout.code, 0) << to_stdout.err;
  EXPECT_TRUE(to_stdout.out == Slurp(tar)) << "stdout and -o differ";
  // The whole snapshot: every path, without its leading '/'.
  RunResult whole = Run("dump latest -o " + dir_.path() + "/whole.tar");
  ASSERT_EQ(whole.code, 0) << whole.err;
  RunResult listing =
      basin::testing::RunBasin("tar", dir_.path(), "-tf " + dir_.path() + "/whole.tar");
  EXPECT_NE(listing.out.find(src_.substr(1) + "/dir/sub/empty/\n"), std::string::npos)
      << listing.out << listing.err;
}

// dump of a file writes its content, holes as zeros; a path not in the snapshot fails
// (exit 1, saying so) and leaves no output file.
TEST_F(BackupCliTest, DumpOfAFileIsItsContentAndOfAMissingPathAnError) {
  MakeDumpTree(src_);
  ASSERT_EQ(Run("backup " + src_).code, 0);
  RunResult file = Run("dump latest:" + src_ + "/dir/random");
  ASSERT_EQ(file.code, 0) << file.err;
  EXPECT_TRUE(file.out == Slurp(src_ + "/dir/random"));
  const std::string out = dir_.path() + "/sparse.out";
  ASSERT_EQ(Run("dump latest:" + src_ + "/sparse -o " + out).code, 0);
  EXPECT_TRUE(Slurp(out) == Slurp(src_ + "/sparse"));
  EXPECT_EQ(Run(std::string("dump latest:") + src_ + "/empty-file").out, "");
  RunResult odd = Run("dump latest '" + src_ + "/not-utf8-\xff\xfe'");
  EXPECT_EQ(odd.code, 0) << odd.err;
  EXPECT_EQ(odd.out, "bytes");
  RunResult missing = Run("dump latest:" + src_ + "/no-such-file -o " + dir_.path() + "/m");
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("no-such-file"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/m"));
  EXPECT_EQ(Run("dump latest:" + src_ + " " + src_).code, 2);  // the path named twice
  EXPECT_EQ(Run("dump latest --archive zip").code, 2);
  EXPECT_EQ(Run("dump 0000 -o " + dir_.path() + "/m").code, 1);  // no such snapshot
}

// dump streams: a 192 MiB file (one random MiB over and over, so that the basin stores
// little) costs the process less extra peak memory than its size, over the peak of
// dumping a one-byte file (the block cache is up to 64 MiB of it). Under ASan freed memory
// is held in a quarantine (256 MiB by default): the children get a small one.
TEST_F(BackupCliTest, DumpOfALargeFileAndItsDirectoryStaysInBoundedMemory) {
  const std::string block = RandomBytes(1 << 20, 31);
  {
    std::ofstream big(src_ + "/big", std::ios::binary);
    for (int i = 0; i < 192; ++i) big << block;
  }
  Write(src_ + "/small", "x");
  ASSERT_EQ(Run("backup " + src_).code, 0);
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan != nullptr ? asan : "";
  ::setenv("ASAN_OPTIONS", (saved + (saved.empty() ? "" : ":") + "quarantine_size_mb=4").c_str(),
           1);
  const auto peak_kib = [&](const std::string& what) -> long {
    const pid_t pid = Spawn({"dump", "--repo", repo_, "latest:" + what});
    int status = 0;
    struct rusage ru {};
    if (::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return -1;
    }
    return ru.ru_maxrss;
  };
  const long base = peak_kib(src_ + "/small");
  const long file = peak_kib(src_ + "/big");
  const long tar = peak_kib(src_);
  if (asan != nullptr) {
    ::setenv("ASAN_OPTIONS", saved.c_str(), 1);
  } else {
    ::unsetenv("ASAN_OPTIONS");
  }
  ASSERT_GT(base, 0);
  ASSERT_GT(file, 0);
  ASSERT_GT(tar, 0);
  EXPECT_LT(file - base, 128 << 10) << "file: peak " << file << " KiB, one byte: " << base;
  EXPECT_LT(tar - base, 128 << 10) << "tar: peak " << tar << " KiB, one byte: " << base;
}

// Two machines back up into one basin at the same moment: both snapshots land.
TEST_F(BackupCliTest, TwoHostsBackingUpAtOnceBothLand) {
  const std::string a = dir_.path() + "/host-a", b = dir_.path() + "/host-b";
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  for (int i = 0; i < 20; ++i) {
    Write(a + "/f" + std::to_string(i), RandomBytes(100000, i));
    Write(b + "/f" + std::to_string(i), RandomBytes(100000, 100 + i));
  }
  const pid_t p1 = Spawn({"backup", "--host", "a", "--repo", repo_, a});
  const pid_t p2 = Spawn({"backup", "--host", "b", "--repo", repo_, b});
  EXPECT_EQ(Wait(p1), 0);
  EXPECT_EQ(Wait(p2), 0);
  const auto snaps = nlohmann::json::parse(Run("snapshots --json").out);
  ASSERT_EQ(snaps.size(), 2u);
  EXPECT_NE(snaps[0]["host"], snaps[1]["host"]);
  RunResult check = Run("check --read-data");
  EXPECT_EQ(check.code, 0) << check.out << check.err;
}

// A backup killed at any moment leaves a basin that checks clean; the next one completes.
TEST_F(BackupCliTest, ABackupKilledAtAnyMomentLeavesACleanBasin) {
  for (int i = 0; i < 40; ++i) Write(src_ + "/f" + std::to_string(i), RandomBytes(1 << 20, i));
  std::mt19937_64 rng(3);
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = Spawn({"backup", "--repo", repo_, src_});
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 800));
    ::kill(pid, SIGKILL);
    Wait(pid);
    RunResult check = Run("check --read-data");
    EXPECT_EQ(check.code, 0) << "round " << round << ": " << check.out << check.err;
    Write(src_ + "/f" + std::to_string(round), RandomBytes(1 << 20, 1000 + round));
  }
  RunResult last = Run("backup " + src_);
  ASSERT_EQ(last.code, 0) << last.err;
  const std::string out = dir_.path() + "/restored";
  ASSERT_EQ(Run("restore latest:" + src_ + " --target " + out).code, 0);
  for (const auto& d : basin::testing::CompareTrees(src_, out)) ADD_FAILURE() << d;
}

TEST_F(BackupCliTest, BadArgumentsFailClearly) {
  EXPECT_EQ(Run("backup").code, 2);
  EXPECT_EQ(Run("restore latest --target " + dir_.path() + "/x").code, 1);  // no snapshot yet
  EXPECT_EQ(Run("backup " + src_).code, 0);
  EXPECT_EQ(Run("restore nothex --target " + dir_.path() + "/x").code, 2);
  EXPECT_EQ(Run("restore latest:/no/such/path --target " + dir_.path() + "/x").code, 1);
  EXPECT_EQ(Run("forget").code, 2);
  EXPECT_EQ(Run("forget --keep-within 3x").code, 2);
  EXPECT_EQ(Run("restore latest --overwrite sometimes --target " + dir_.path() + "/x").code, 2);
  // Regressions: each of these once exited 0 (or committed something unreadable).
  EXPECT_EQ(Run("forget --keep-last -1").code, 2);  // forgot every snapshot
  EXPECT_EQ(Run("backup --stdin --stdin-filename a/b").code, 2);
  EXPECT_EQ(Run("backup " + dir_.path() + "/does-not-exist").code, 1);
  EXPECT_EQ(Run("prune --abandoned-after 30m").code, 2);  // minutes are "min"
  EXPECT_EQ(Run("prune --max-unused 5").code, 2);
  EXPECT_EQ(nlohmann::json::parse(Run("snapshots --json").out).size(), 1u);
  EXPECT_EQ(Run("prune --abandoned-after 15min").code, 0);
}

// A stratum cut short: restore fails (exit 1) rather than leaving a file out and exiting 0.
TEST_F(BackupCliTest, ARestoreFromADamagedStratumFailsAndSaysWhere) {
  Write(src_ + "/f", RandomBytes(300000, 3));
  ASSERT_EQ(Run("backup " + src_).code, 0);
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo_ + "/strata/data")) {
    if (e.is_regular_file()) std::filesystem::resize_file(e.path(), 1000);
  }
  RunResult r = Run("restore latest --target " + dir_.path() + "/out");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("strata/data/"), std::string::npos) << r.err;
  EXPECT_EQ(Run("check --read-data").code, 1);
  EXPECT_EQ(Run("check").code, 0);  // the tail copies are whole; only data reads show it
}

}  // namespace
}  // namespace basin
