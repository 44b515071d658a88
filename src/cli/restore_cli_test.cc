// basin restore into a target that is in the way: conflicts and files that cannot be
// written are named once each, the rest is restored, and the exit code (1) and the last
// line say that the restore did not complete.
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "awkward_tree.h"
#include "cli_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

namespace fs = std::filesystem;
using basin::testing::RandomBytes;
using basin::testing::RunBasin;
using basin::testing::RunResult;
using basin::testing::Slurp;
using basin::testing::TempDir;
using basin::testing::Write;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class RestoreCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_.path() + "/repo";
    src_ = dir_.path() + "/src";
    out_ = dir_.path() + "/out";
    fs::create_directories(src_ + "/dir");
    ASSERT_EQ(Run("init --no-encryption").code, 0);
  }
  RunResult Run(const std::string& args) {
    return RunBasin(BASIN_BINARY, dir_.path(), args + " --repo " + repo_);
  }
  RunResult Restore(const std::string& more = "") {
    return Run("restore latest:" + src_ + " --target " + out_ + " " + more);
  }

  TempDir dir_;
  std::string repo_, src_, out_;
};

// Regression: a file where the snapshot has a directory stopped the whole restore with
// "invalid argument" and exit 2. It is replaced; a non-empty directory where a file is due
// is left (named), everything after it restored, and the exit code is 1.
TEST_F(RestoreCliTest, AConflictIsNamedLeftAndExitsOneAfterEverythingElseIsRestored) {
  Write(src_ + "/dir/f", "hello");
  Write(src_ + "/top", "top");
  Write(src_ + "/z", "last");
  ASSERT_EQ(Run("backup " + src_).code, 0);
  ASSERT_EQ(Restore().code, 0);
  fs::remove_all(out_ + "/dir");
  Write(out_ + "/dir", "a file where a directory was");
  fs::remove(out_ + "/top");
  fs::create_directories(out_ + "/top");
  Write(out_ + "/top/mine", "mine");
  Write(out_ + "/z", "local edit");
  RunResult r = Restore("--overwrite always");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(Count(r.err, out_ + "/top"), 1u) << r.err;
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restore failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("restored snapshot"), std::string::npos) << r.out;
  EXPECT_EQ(Slurp(out_ + "/dir/f"), "hello");
  EXPECT_EQ(Slurp(out_ + "/top/mine"), "mine");
  EXPECT_EQ(Slurp(out_ + "/z"), "last");
  // Once the conflict is cleared, the same restore succeeds.
  fs::remove_all(out_ + "/top");
  r = Restore("--overwrite if-changed");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("restored snapshot"), std::string::npos) << r.out;
  EXPECT_EQ(Slurp(out_ + "/top"), "top");
}

// Regression: a file that could not be written was named twice on its line ("P: P:
// writing ..."), and a success-looking summary line came before the error count.
TEST_F(RestoreCliTest, AFileThatCannotBeWrittenIsNamedOnceAndNoSuccessSummaryIsPrinted) {
  Write(src_ + "/big", RandomBytes(300000, 7));
  Write(src_ + "/small", "small");
  ASSERT_EQ(Run("backup " + src_).code, 0);
  // A file-size limit makes writes past 64 KiB fail (EFBIG) as a full disk would.
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit low = saved;
  low.rlim_cur = 64 << 10;
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &low), 0);
  RunResult r = Restore();
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(Count(r.err, out_ + "/big"), 1u) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restore failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("restored snapshot"), std::string::npos) << r.out;
  EXPECT_EQ(Slurp(out_ + "/small"), "small");
  EXPECT_FALSE(fs::exists(out_ + "/big"));
}

}  // namespace
}  // namespace basin
