// Secrets stay secret, run as a user runs basin: no password or S3 secret key in any output
// of any command, verbose or failing; the object holding the key slots is private to its
// owner whatever the umask.
//
// Process arguments: basin starts no child process of its own (no fork, exec, posix_spawn,
// system or popen anywhere in src/), so no secret can reach one's arguments; the password
// and the S3 keys come only from files and the environment, never from basin's own command
// line. (`basin mount` run by a non-root user lets libfuse run fusermount3 with the mount
// point and mount options only.)
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "s3_test_store.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::RunBasin;
using basin::testing::RunResult;
using basin::testing::TempDir;

constexpr char kPassword[] = "correct horse battery staple 7f3a";
constexpr char kWrongPassword[] = "wrong horse battery staple 91c2";
constexpr char kWrongSecretKey[] = "wrongSecretKeyKnownToTheTest0123456789abc";

class SecretsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("BASIN_PASSWORD");
    ::unsetenv("BASIN_PASSWORD_FILE");
    ::unsetenv("BASIN_REPOSITORY");
    std::filesystem::create_directories(dir_.path() + "/src/sub");
    Write(dir_.path() + "/src/a", RandomBytes(200000, 3));
    Write(dir_.path() + "/src/sub/b", "bee");
  }

  static void Write(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
  }

  // Runs basin and keeps what it printed, to be searched for secrets at the end.
  RunResult Basin(const std::string& args) {
    RunResult r = RunBasin(BASIN_BINARY, dir_.path(), args);
    printed_ += r.out + r.err;
    return r;
  }

  // The same, with the environment variable `name` set to `value` for this run only.
  RunResult BasinWith(const char* name, const std::string& value, const std::string& args) {
    const char* was = std::getenv(name);
    const std::string saved = was == nullptr ? "" : was;
    ::setenv(name, value.c_str(), 1);
    RunResult r = Basin(args);
    if (was == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, saved.c_str(), 1);
    }
    return r;
  }

  // init, backup, snapshots, restore and check, verbose where the flag does anything, each
  // expected to succeed; then the same basin with a wrong password: exit 3.
  void RunEveryCommand(const std::string& repo, const char* wrong_name,
                       const std::string& wrong_value) {
    const std::string r = " --repo '" + repo + "' --verbose";
    ASSERT_EQ(Basin("init" + r).code, 0) << printed_;
    RunResult backup = Basin("backup" + r + " " + dir_.path() + "/src");
    ASSERT_EQ(backup.code, 0) << backup.err;
    ASSERT_EQ(Basin("backup --json" + r + " " + dir_.path() + "/src").code, 0);
    ASSERT_EQ(Basin("snapshots" + r).code, 0);
    ASSERT_EQ(Basin("snapshots --json" + r).code, 0);
    const std::string target = dir_.path() + "/restored" + std::to_string(restores_++);
    RunResult restore = Basin("restore latest --verify --target " + target + r);
    ASSERT_EQ(restore.code, 0) << restore.err;
    RunResult check = Basin("check --read-data" + r);
    ASSERT_EQ(check.code, 0) << check.err;
    RunResult wrong = BasinWith(wrong_name, wrong_value, "snapshots" + r);
    EXPECT_EQ(wrong.code, 3) << wrong.err;
    EXPECT_NE(wrong.err.find("wrong password"), std::string::npos) << wrong.err;
    EXPECT_EQ(wrong.out, "");
  }

  // A URL for a new bucket on the test server; its keys go into the environment.
  std::string S3Repo() {
    auto o = basin::testing::ServerOptions();
    if (!o) return "";
    secret_key_ = o->secret_key;
    ::setenv("AWS_ACCESS_KEY_ID", o->access_key.c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", o->secret_key.c_str(), 1);
    return "s3://" + o->bucket + "/basin?endpoint=" + o->endpoint;
  }

  void ExpectNoSecretPrinted() {
    for (const std::string& secret : {std::string(kPassword), std::string(kWrongPassword),
                                      std::string(kWrongSecretKey), secret_key_}) {
      ASSERT_FALSE(secret.empty());
      EXPECT_EQ(printed_.find(secret), std::string::npos) << "printed: " << secret;
      // Not even a recognisable part of it.
      EXPECT_EQ(printed_.find(secret.substr(0, 12)), std::string::npos) << "printed: " << secret;
    }
  }

  TempDir dir_;
  std::string printed_, secret_key_;
  int restores_ = 0;
};

TEST_F(SecretsCliTest, NoPasswordOrS3SecretKeyAppearsInAnyOutput) {
  const std::string repo = S3Repo();
  ASSERT_FALSE(repo.empty()) << "no S3 server: run through scripts/test.sh";

  // The password from the environment; the wrong one also from the environment.
  ::setenv("BASIN_PASSWORD", kPassword, 1);
  RunEveryCommand(repo, "BASIN_PASSWORD", kWrongPassword);

  // The password from a file, on a second basin; the wrong one from another file.
  ::unsetenv("BASIN_PASSWORD");
  const std::string right = dir_.path() + "/password", wrong = dir_.path() + "/wrong";
  Write(right, std::string(kPassword) + "\n");
  Write(wrong, std::string(kWrongPassword) + "\n");
  ::setenv("BASIN_PASSWORD_FILE", right.c_str(), 1);
  const std::string second = S3Repo();
  RunEveryCommand(second, "BASIN_PASSWORD_FILE", wrong);
  RunResult flag = Basin("snapshots --password-file " + wrong + " --repo '" + second + "'");
  EXPECT_EQ(flag.code, 3) << flag.err;

  // A wrong S3 secret key: a permission error that does not echo the key it was given.
  RunResult wrong_key = BasinWith("AWS_SECRET_ACCESS_KEY", kWrongSecretKey,
                                  "snapshots --verbose --repo '" + second + "'");
  EXPECT_NE(wrong_key.code, 0);
  EXPECT_FALSE(wrong_key.err.empty());

  ExpectNoSecretPrinted();
}

// The config object holds the key slots (the master key wrapped under each password): it is
// created, and rewritten by `key add` and `key passwd`, readable by its owner only, also
// under the usual umask 022 (which would leave a 0644 file group- and world-readable).
TEST_F(SecretsCliTest, TheConfigHoldingTheKeySlotsIsCreated0600WhateverTheUmask) {
  basin::testing::ScopedUmask umask_022(022);
  ::setenv("BASIN_PASSWORD", kPassword, 1);
  const std::string root = dir_.path() + "/basin", repo = " --repo " + root;
  const auto mode = [&](const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  };
  ASSERT_EQ(Basin("init" + repo).code, 0);
  EXPECT_EQ(mode(root + "/config"), 0600u);
  // Every other object of the basin is its owner's alone too (data and metadata alike).
  ASSERT_EQ(Basin("backup" + repo + " " + dir_.path() + "/src").code, 0);
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename().string().rfind(".basin-", 0) == 0) continue;
    ++files;
    EXPECT_EQ(mode(e.path()), 0600u) << e.path();
  }
  EXPECT_GT(files, 3);
  const std::string other = dir_.path() + "/other";
  Write(other, "another password\n");
  RunResult add = Basin("key add --new-password-file " + other + repo);
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(mode(root + "/config"), 0600u);
  Write(other, "a third password\n");
  RunResult passwd =
      Basin("key passwd --kdf-memory-mib 1 --kdf-passes 1 --new-password-file " + other + repo);
  ASSERT_EQ(passwd.code, 0) << passwd.err;
  EXPECT_EQ(mode(root + "/config"), 0600u);
}

}  // namespace
}  // namespace basin
