// Runs the basin binary as a user would and checks output and exit codes.
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "test_util.h"

namespace basin {
namespace {

struct RunResult {
  int code;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class CliTest : public ::testing::Test {
 protected:
  RunResult Basin(const std::string& args, const std::string& input = "") {
    const std::string in = dir_.path() + "/.stdin", out = dir_.path() + "/.stdout",
                      err = dir_.path() + "/.stderr";
    std::ofstream(in, std::ios::binary) << input;
    const std::string cmd =
        std::string(BASIN_BINARY) + " " + args + " <" + in + " >" + out + " 2>" + err;
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }
  basin::testing::TempDir dir_;
};

TEST_F(CliTest, HelpOnEveryLevelExitsZero) {
  for (const char* args : {"--help", "store --help", "store put --help", "store get --help",
                           "store stat --help", "store ls --help", "store rm --help"}) {
    RunResult r = Basin(args);
    EXPECT_EQ(r.code, 0) << args;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args << ": " << r.out;
  }
}

TEST_F(CliTest, VersionPrintsTheVersion) {
  RunResult r = Basin("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("basin ", 0), 0u) << r.out;
}

TEST_F(CliTest, BadUsageExitsTwoWithAMessageOnStderr) {
  for (const char* args : {"", "no-such-command", "store", "store put", "store get --bogus x"}) {
    RunResult r = Basin(args);
    EXPECT_EQ(r.code, 2) << "'" << args << "'";
    EXPECT_FALSE(r.err.empty()) << args;
  }
}

TEST_F(CliTest, PutGetStatLsRmRoundTrip) {
  const std::string url = "file://" + dir_.path() + "/store/obj";
  const std::string data = basin::testing::RandomBytes(3 << 20, 5);
  ASSERT_EQ(Basin("store put " + url, data).code, 0);
  RunResult get = Basin("store get " + url);
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, data);
  RunResult stat = Basin("store stat " + url);
  EXPECT_EQ(stat.code, 0);
  EXPECT_EQ(stat.out, std::to_string(data.size()) + "\t" + dir_.path().substr(1) + "/store/obj\n");
  RunResult ls = Basin("store ls " + dir_.path() + "/store/");
  EXPECT_EQ(ls.code, 0);
  EXPECT_NE(ls.out.find("/store/obj\n"), std::string::npos) << ls.out;
  EXPECT_EQ(Basin("store rm " + url).code, 0);
  EXPECT_EQ(Basin("store rm " + url).code, 0);  // idempotent
  RunResult gone = Basin("store get " + url);
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("not found"), std::string::npos) << gone.err;
}

TEST_F(CliTest, PutFromAFileAndGetToAFile) {
  const std::string src = dir_.path() + "/src.bin", dst = dir_.path() + "/dst.bin";
  std::ofstream(src, std::ios::binary) << "file contents";
  const std::string url = dir_.path() + "/s/k";
  ASSERT_EQ(Basin("store put " + url + " " + src).code, 0);
  ASSERT_EQ(Basin("store get " + url + " " + dst).code, 0);
  EXPECT_EQ(Slurp(dst), "file contents");
}

TEST_F(CliTest, CreateOnlyConflictExitsOne) {
  const std::string url = dir_.path() + "/once";
  ASSERT_EQ(Basin("store put --create-only " + url, "a").code, 0);
  RunResult again = Basin("store put --create-only " + url, "b");
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(Basin("store get " + url).out, "a");
}

TEST_F(CliTest, InvalidUrlsAreUsageErrors) {
  RunResult r = Basin("store get ftp://host/x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown scheme"), std::string::npos) << r.err;
  EXPECT_EQ(Basin("store get " + dir_.path() + "/").code, 2);  // names no object
}

}  // namespace
}  // namespace basin
