// The content-store commands run as a user runs them: real processes, killed ones among
// them, on a local directory and on S3 (radosgw, started by scripts/test.sh).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "s3_test_store.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::RunBasin;
using basin::testing::RunResult;
using basin::testing::Slurp;
using basin::testing::TempDir;
using basin::testing::WaitFor;

class RepoCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("BASIN_PASSWORD", "test password", 1);
    ::unsetenv("BASIN_PASSWORD_FILE");
    ::unsetenv("BASIN_REPOSITORY");
  }

  // Runs basin with `args` (a shell fragment) and waits for it.
  // Commands run with a cheap key: "init" gets a small Argon2id cost (tests need no real
  // one), and so does "key add".
  RunResult Basin(const std::string& args, const std::string& input = "") {
    return RunBasin(BASIN_BINARY, dir_.path(), args, input);
  }

  // Starts basin with `argv` in the background; returns its pid.
  pid_t Spawn(const std::vector<std::string>& args) {
    const std::string err = dir_.path() + "/.spawn" + std::to_string(spawned_++) + ".err";
    const pid_t pid = basin::testing::Spawn(BASIN_BINARY, args, err);
    EXPECT_GT(pid, 0);
    errors_[pid] = err;
    return pid;
  }

  // Waits for a spawned process: its exit code (minus the signal that killed it); what it
  // said on stderr goes to the test log when it failed.
  int Wait(pid_t pid) {
    const int code = WaitFor(pid);
    if (code > 0) std::cerr << "process " << pid << ": " << Slurp(errors_[pid]);
    return code;
  }

  std::string WriteFile(const std::string& name, const std::string& data) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }

  // A URL for a new S3 bucket on the test server (credentials through the environment).
  std::string S3Repo() {
    auto o = basin::testing::ServerOptions();
    if (!o) return "";
    ::setenv("AWS_ACCESS_KEY_ID", o->access_key.c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", o->secret_key.c_str(), 1);
    return "s3://" + o->bucket + "/basin?endpoint=" + o->endpoint;
  }

  TempDir dir_;
  int spawned_ = 0;
  std::map<pid_t, std::string> errors_;
};

TEST_F(RepoCliTest, InitBlobPutGetStatsCheckRoundTrip) {
  const std::string repo = "--repo " + dir_.path() + "/b";
  ASSERT_EQ(Basin("init " + repo).code, 0);
  const std::string data = RandomBytes(5 << 20, 1) + std::string(3 << 20, 'z');
  const std::string file = WriteFile("in", data);
  RunResult put = Basin("blob put " + file + " " + repo + " --json");
  ASSERT_EQ(put.code, 0) << put.err;
  const auto j = nlohmann::json::parse(put.out);
  const std::string id = j["id"];
  EXPECT_EQ(j["size"], data.size());
  RunResult get = Basin("blob get " + id + " " + repo);
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, data);
  // The same again is stored once: nothing new.
  RunResult again = Basin(repo + " --json blob put " + file);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["bytes_stored"], 0);
  RunResult stats = Basin("stats --json " + repo);
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_EQ(nlohmann::json::parse(stats.out)["commits"], 1);
  RunResult check = Basin("check --read-data " + repo);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("no problems found"), std::string::npos) << check.out;
}

TEST_F(RepoCliTest, AWrongPasswordExitsThreeAndPrintsNothing) {
  const std::string repo = "--repo " + dir_.path() + "/b";
  ASSERT_EQ(Basin("init " + repo).code, 0);
  const std::string file = WriteFile("in", "secret content");
  RunResult put = Basin("blob put " + repo + " " + file);
  ASSERT_EQ(put.code, 0);
  const std::string id = put.out.substr(0, 64);
  ::setenv("BASIN_PASSWORD", "not the password", 1);
  RunResult get = Basin("blob get " + id + " " + repo);
  EXPECT_EQ(get.code, 3);
  EXPECT_EQ(get.out, "");
  EXPECT_NE(get.err.find("wrong password"), std::string::npos) << get.err;
}

// Regression (found by a tester): a password file that does not exist exited 3, the code
// scripts read as "wrong password", and a directory was "empty". Both are bad usage.
TEST_F(RepoCliTest, APasswordFileThatIsMissingOrADirectoryIsBadUsageNotAWrongPassword) {
  const std::string repo = "--repo " + dir_.path() + "/b";
  ASSERT_EQ(Basin("init " + repo).code, 0);
  RunResult missing = Basin("snapshots " + repo + " --password-file " + dir_.path() + "/nope");
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  RunResult directory = Basin("snapshots " + repo + " --password-file " + dir_.path());
  EXPECT_EQ(directory.code, 2) << directory.err;
  EXPECT_NE(directory.err.find("is a directory"), std::string::npos) << directory.err;
}

// Regression (found by a tester): a relative --cold path was kept as given, and commands
// run from another directory wrote data strata there. It is made absolute at init.
TEST_F(RepoCliTest, ARelativeColdPathIsKeptAbsolute) {
  const std::filesystem::path was = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());  // the relative paths are inside the test's
  const RunResult init = Basin("init --repo hot --cold cold");
  std::filesystem::current_path(was);
  ASSERT_EQ(init.code, 0) << init.err;
  RunResult config = Basin("cat config --repo " + dir_.path() + "/hot --json");
  ASSERT_EQ(config.code, 0) << config.err;
  const std::string cold = nlohmann::json::parse(config.out)["settings"]["cold_url"];
  EXPECT_EQ(cold, "file://" + dir_.path() + "/cold");
}

// Regression: a config damaged in its key slot read as nothing but "wrong password". A
// slot's bytes (and the basin id) are authenticated by the password's key alone, so damage
// there cannot be told from a wrong password: the message says both, exit code 3. Damage
// anywhere else, with the slot opened, is damage: exit code 1, naming the config.
TEST_F(RepoCliTest, ADamagedConfigSaysItMayBeDamagedNotOnlyAWrongPassword) {
  const std::string root = dir_.path() + "/b", repo = "--repo " + root;
  ASSERT_EQ(Basin("init " + repo).code, 0);
  const std::string original = Slurp(root + "/config");
  // magic 8 | version 4 | id 16 | flags 4 | slots 1 | slot id 8 | kdf 1 | ops 4 | mem 8 |
  // salt 16 | label length 1 | label | wrapped 72
  const size_t label_at = 8 + 4 + 16 + 4 + 1 + 8 + 1 + 4 + 8 + 16;
  ASSERT_GT(original.size(), label_at + 1);
  const size_t label_size = static_cast<unsigned char>(original[label_at]);
  ASSERT_GT(label_size, 0u);
  const auto damaged = [&](size_t at) {
    std::string bad = original;
    bad[at] ^= 0x01;
    std::ofstream(root + "/config", std::ios::binary | std::ios::trunc) << bad;
    return Basin("snapshots " + repo);
  };
  RunResult in_wrapped_key = damaged(label_at + 1 + label_size + 30);
  EXPECT_EQ(in_wrapped_key.code, 3);
  EXPECT_NE(in_wrapped_key.err.find("wrong password"), std::string::npos) << in_wrapped_key.err;
  EXPECT_NE(in_wrapped_key.err.find("damaged"), std::string::npos) << in_wrapped_key.err;
  RunResult in_label = damaged(label_at + 1);
  EXPECT_EQ(in_label.code, 1);
  EXPECT_NE(in_label.err.find("config"), std::string::npos) << in_label.err;
  EXPECT_NE(in_label.err.find("damaged"), std::string::npos) << in_label.err;
  EXPECT_EQ(in_label.err.find("password"), std::string::npos) << in_label.err;
  std::ofstream(root + "/config", std::ios::binary | std::ios::trunc) << original;
  EXPECT_EQ(Basin("snapshots " + repo).code, 0);
}

// A byte changed in any object of the basin is found by check --read-data, which names the
// object; blob get never prints a byte of a grain that fails to open.
TEST_F(RepoCliTest, CheckFindsTamperingInEveryKindOfObjectAndNamesIt) {
  const std::string root = dir_.path() + "/b";
  const std::string repo = "--repo " + root;
  ASSERT_EQ(Basin("init " + repo).code, 0);
  const std::string data = RandomBytes(3 << 20, 9);
  RunResult put = Basin("blob put " + repo + " " + WriteFile("in", data));
  ASSERT_EQ(put.code, 0) << put.err;
  const std::string id = put.out.substr(0, 64);
  std::vector<std::string> objects;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().filename().string().rfind(".basin-", 0) != 0) {
      objects.push_back(e.path().string());
    }
  }
  ASSERT_GE(objects.size(), 5u);  // config, journal, index table, strata, tail copy
  std::mt19937_64 rng(42);
  for (const std::string& path : objects) {
    const std::string original = Slurp(path);
    for (int trial = 0; trial < 4; ++trial) {
      std::string bad = original;
      const size_t at = rng() % bad.size();
      bad[at] ^= static_cast<char>(1 + rng() % 255);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
      RunResult check = Basin("check --read-data --json " + repo);
      const std::string key = path.substr(root.size() + 1);
      // A damaged config (or key slot) cannot even be opened: that is how it is found.
      if (key == "config") {
        EXPECT_NE(check.code, 0) << "config byte " << at;
      } else {
        // Found by the check, or (journal, checkpoint) by opening the basin at all.
        EXPECT_EQ(check.code, 1) << key << " byte " << at << ": " << check.err;
        EXPECT_NE((check.out + check.err).find(key), std::string::npos)
            << key << " byte " << at << " not named: " << check.out << check.err;
      }
      std::filesystem::remove(dir_.path() + "/out");
      RunResult get = Basin("blob get " + id + " " + repo + " " + dir_.path() + "/out");
      if (get.code == 0) {
        EXPECT_EQ(Slurp(dir_.path() + "/out"), data) << key << " byte " << at;
      } else {
        EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/out")) << "partial output kept";
      }
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << original;
  }
  EXPECT_EQ(Basin("check --read-data " + repo).code, 0);
}

// Killed at any moment, a put leaves a basin that opens and checks clean, holding exactly
// the commits whose journal record was written; the next put completes.
TEST_F(RepoCliTest, APutKilledAtAnyMomentLeavesABasinThatChecksClean) {
  const std::string root = dir_.path() + "/b";
  ASSERT_EQ(Basin("init --repo " + root).code, 0);
  std::mt19937_64 rng(7);
  for (int round = 0; round < 8; ++round) {
    const std::string file = WriteFile("in" + std::to_string(round), RandomBytes(40 << 20, round));
    const pid_t pid = Spawn({"blob", "put", "--repo", root, file});
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 1500));
    ::kill(pid, SIGKILL);
    Wait(pid);
    size_t records = 0;
    if (std::filesystem::exists(root + "/journal")) {
      for ([[maybe_unused]] const auto& e :
           std::filesystem::directory_iterator(root + "/journal")) {
        ++records;
      }
    }
    RunResult stats = Basin("stats --json --repo " + root);
    ASSERT_EQ(stats.code, 0) << stats.err;
    EXPECT_EQ(nlohmann::json::parse(stats.out)["commits"], records);
    RunResult check = Basin("check --read-data --repo " + root);
    EXPECT_EQ(check.code, 0) << "round " << round << ": " << check.out << check.err;
  }
  const std::string data = RandomBytes(2 << 20, 77);
  RunResult put = Basin("blob put --repo " + root + " " + WriteFile("last", data));
  ASSERT_EQ(put.code, 0) << put.err;
  EXPECT_EQ(Basin("blob get --repo " + root + " " + put.out.substr(0, 64)).out, data);
}

// Two processes writing to one basin at once: both commits land.
TEST_F(RepoCliTest, TwoProcessesPuttingAtOnceBothLandOnALocalDisk) {
  const std::string root = dir_.path() + "/b";
  ASSERT_EQ(Basin("init --repo " + root).code, 0);
  const std::string a = WriteFile("one", RandomBytes(6 << 20, 1));
  const std::string b = WriteFile("two", RandomBytes(6 << 20, 2));
  for (int round = 0; round < 3; ++round) {
    const pid_t p1 = Spawn({"blob", "put", "--repo", root, a});
    const pid_t p2 = Spawn({"blob", "put", "--repo", root, b});
    EXPECT_EQ(Wait(p1), 0);
    EXPECT_EQ(Wait(p2), 0);
  }
  RunResult check = Basin("check --read-data --json --repo " + root);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  const auto stats = nlohmann::json::parse(Basin("stats --json --repo " + root).out);
  EXPECT_GE(stats["commits"], 2);
}

TEST_F(RepoCliTest, TwoProcessesPuttingAtOnceBothLandOnS3) {
  const std::string repo = S3Repo();
  ASSERT_FALSE(repo.empty()) << "no S3 server: run through scripts/test.sh";
  ASSERT_EQ(Basin("init --repo '" + repo + "'").code, 0);
  const std::string a = WriteFile("one", RandomBytes(3 << 20, 3));
  const std::string b = WriteFile("two", RandomBytes(3 << 20, 4));
  const pid_t p1 = Spawn({"blob", "put", "--repo", repo, a});
  const pid_t p2 = Spawn({"blob", "put", "--repo", repo, b});
  EXPECT_EQ(Wait(p1), 0);
  EXPECT_EQ(Wait(p2), 0);
  RunResult check = Basin("check --read-data --repo '" + repo + "'");
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  const auto stats = nlohmann::json::parse(Basin("stats --json --repo '" + repo + "'").out);
  EXPECT_EQ(stats["commits"], 2);
}

TEST_F(RepoCliTest, KeyCommandsAddListRemoveAndChangePasswords) {
  const std::string repo = "--repo " + dir_.path() + "/b";
  ASSERT_EQ(Basin("init " + repo).code, 0);
  const std::string pwfile = WriteFile("pw2", "second password\n");
  RunResult add = Basin("key add --new-password-file " + pwfile + " " + repo + " --json");
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string added = nlohmann::json::parse(add.out)["id"];
  RunResult list = Basin("key list --json " + repo);
  ASSERT_EQ(list.code, 0);
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), 2u);
  EXPECT_EQ(Basin("stats " + repo + " --password-file " + pwfile).code, 0);
  EXPECT_EQ(Basin("key remove " + added + " " + repo).code, 0);
  EXPECT_EQ(Basin("stats " + repo + " --password-file " + pwfile).code, 3);
  EXPECT_EQ(Basin("key remove ffffffffffffffff " + repo).code, 1);
}

TEST_F(RepoCliTest, CommandsWithoutARepositoryOrWithBadInputFailClearly) {
  RunResult none = Basin("stats");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("--repo"), std::string::npos) << none.err;
  RunResult absent = Basin("stats --repo " + dir_.path() + "/nothing-here");
  EXPECT_EQ(absent.code, 1);
  EXPECT_NE(absent.err.find("basin init"), std::string::npos) << absent.err;
  ASSERT_EQ(Basin("init --repo " + dir_.path() + "/b").code, 0);
  EXPECT_EQ(Basin("init --repo " + dir_.path() + "/b").code, 1);
  EXPECT_EQ(Basin("blob get nothex --repo " + dir_.path() + "/b").code, 2);
  EXPECT_EQ(Basin("blob get " + std::string(64, 'a') + " --repo " + dir_.path() + "/b").code, 1);
  EXPECT_EQ(Basin("cat nonsense --repo " + dir_.path() + "/b").code, 2);
}

}  // namespace
}  // namespace basin

namespace basin {
namespace {

// The local cache (docs/format/repository.md, "Local cache"): on by default for S3, in
// $XDG_CACHE_HOME/basin/<basin id>/ with a CACHEDIR.TAG; --no-cache writes nothing there;
// check reads through a fresh one.
TEST_F(RepoCliTest, S3BasinsAreCachedUnderXdgCacheHomeUnlessNoCache) {
  const std::string url = S3Repo();
  ASSERT_FALSE(url.empty()) << "no S3 server: run through bb test";
  const std::string repo = "--repo '" + url + "'";
  const std::string xdg = dir_.path() + "/xdg";
  ::setenv("XDG_CACHE_HOME", xdg.c_str(), 1);
  const std::string file = WriteFile("in", RandomBytes(300000, 3));
  ASSERT_EQ(Basin("init --no-cache " + repo).code, 0);
  RunResult put = Basin("blob put --no-cache " + file + " " + repo);
  ASSERT_EQ(put.code, 0) << put.err;
  EXPECT_FALSE(std::filesystem::exists(xdg));  // --no-cache: no cache files at all
  RunResult check = Basin("check " + repo);
  ASSERT_EQ(check.code, 0) << check.err;
  EXPECT_FALSE(std::filesystem::exists(xdg + "/basin"));  // check's cache was a fresh one
  put = Basin("blob put " + file + " " + repo);
  ASSERT_EQ(put.code, 0) << put.err;
  EXPECT_TRUE(std::filesystem::exists(xdg + "/basin/CACHEDIR.TAG"));
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(xdg + "/basin")) {
    files += e.is_regular_file() && e.path().string().find("/index/") != std::string::npos;
  }
  EXPECT_GT(files, 0u);  // the index table the put wrote
  ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace basin
