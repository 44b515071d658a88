// Runs the basin binary as a user would and checks output and exit codes.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RunResult;
using basin::testing::Slurp;

// A `basin` child process whose standard input is a pipe the test writes to.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    std::vector<char*> argv = {const_cast<char*>(BASIN_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    EXPECT_EQ(posix_spawn(&pid_, BASIN_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    in_ = fds[1];
  }
  ~Child() { Kill(); }
  void Write(const std::string& data) {
    ASSERT_EQ(::write(in_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  // SIGKILL, as a crash or an OOM killer would; nothing of the writer runs after it.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    EXPECT_EQ(::waitpid(pid_, &status, 0), pid_);
    EXPECT_TRUE(WIFSIGNALED(status));
    ::close(in_);
    pid_ = 0;
  }

 private:
  pid_t pid_ = 0;
  int in_ = -1;
};

class CliTest : public ::testing::Test {
 protected:
  RunResult Basin(const std::string& args, const std::string& input = "") {
    return basin::testing::RunBasin(BASIN_BINARY, dir_.path(), args, input);
  }
  basin::testing::TempDir dir_;
};

TEST_F(CliTest, HelpOnEveryLevelExitsZero) {
  for (const char* args : {"--help",
                           "store --help",
                           "store put --help",
                           "store get --help",
                           "store stat --help",
                           "store ls --help",
                           "store rm --help",
                           "log --help",
                           "log append --help",
                           "log cat --help",
                           "log inspect --help",
                           "log verify --help",
                           "log recover --help",
                           "table --help",
                           "table build --help",
                           "table get --help",
                           "table scan --help",
                           "table inspect --help",
                           "table verify --help",
                           "store bench --help",
                           "store sweep --help"}) {
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

// Exit code 3 means "permission refused", for every command: checked as an unprivileged
// user (root would not be refused).
TEST_F(CliTest, PermissionRefusedExitsThree) {
  const int code = basin::testing::RunUnprivileged([] {
    basin::testing::TempDir dir;
    const std::string store = dir.path() + "/ro";
    if (::mkdir(store.c_str(), 0500) != 0) return 100;
    const std::string cmd =
        std::string(BASIN_BINARY) + " store put " + store + "/k </dev/null 2>/dev/null";
    const int status = std::system(cmd.c_str());
    ::chmod(store.c_str(), 0700);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
  });
  EXPECT_EQ(code, 3);
}

// A get takes several reads of a large object; while another process replaces the object
// again and again, each get must give one version whole, or fail: never pieces of both.
TEST_F(CliTest, StoreGetNeverMixesTwoVersionsOfAnObject) {
  const std::string store = dir_.path() + "/s";
  std::filesystem::create_directories(store);
  const std::string v1 = basin::testing::RandomBytes(40 << 20, 1);
  const std::string v2 = basin::testing::RandomBytes(40 << 20, 2);
  for (const auto& [name, data] : {std::pair{"v1", &v1}, std::pair{"v2", &v2}}) {
    std::ofstream(dir_.path() + "/" + name, std::ios::binary) << *data;
  }
  std::filesystem::copy_file(dir_.path() + "/v1", store + "/big");
  std::atomic<bool> stop{false};
  std::thread replacer([&] {
    // What a put does: a whole new file renamed over the name.
    for (int i = 0; !stop; ++i) {
      const std::string tmp = store + "/.basin-tmp-test";
      std::filesystem::copy_file(dir_.path() + (i % 2 ? "/v1" : "/v2"), tmp,
                                 std::filesystem::copy_options::overwrite_existing);
      std::filesystem::rename(tmp, store + "/big");
    }
  });
  int whole = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string out = dir_.path() + "/got";
    RunResult r = Basin("store get " + store + "/big " + out);
    if (r.code != 0) continue;  // noticed the change: allowed
    const std::string got = Slurp(out);
    EXPECT_TRUE(got == v1 || got == v2) << "try " << i << ": a mix of versions, exit 0";
    ++whole;
  }
  stop = true;
  replacer.join();
  EXPECT_GT(whole, 0);
}

TEST_F(CliTest, InvalidUrlsAreUsageErrors) {
  RunResult r = Basin("store get ftp://host/x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown scheme"), std::string::npos) << r.err;
  EXPECT_EQ(Basin("store get " + dir_.path() + "/").code, 2);  // names no object
}

TEST_F(CliTest, LogAppendCatInspectVerify) {
  const std::string log = dir_.path() + "/events.log";
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "event " + std::to_string(i) + "\n";
  RunResult a = Basin("log append " + log + " --block-size 4096 --compression lz4", input);
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_NE(a.err.find("appended 1000 records"), std::string::npos) << a.err;
  EXPECT_EQ(Basin("log cat " + log).out, input);
  EXPECT_EQ(Basin("log cat " + log + " --from-entry 998").out, "event 998\nevent 999\n");
  RunResult inspect = Basin("log inspect " + log);
  EXPECT_EQ(inspect.code, 0);
  EXPECT_NE(inspect.out.find("1000 records, ids 0 to 999"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("footer:"), std::string::npos);
  RunResult verify = Basin("log verify " + log);
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_NE(verify.out.find("ok:"), std::string::npos);
  // Appending again continues the entry ids.
  ASSERT_EQ(Basin("log append " + log, "more\n").code, 0);
  EXPECT_EQ(Basin("log cat " + log + " --from-entry 1000").out, "more\n");
}

TEST_F(CliTest, LogCatFromAddressAndNulSeparated) {
  const std::string log = dir_.path() + "/z.log";
  ASSERT_EQ(Basin("log append -z " + log, std::string("one\0two\nlines\0three\0", 20)).code, 0);
  RunResult all = Basin("log cat -z " + log);
  EXPECT_EQ(all.out, std::string("one\0two\nlines\0three\0", 20));
  // Record 1 of block 0 has address (0 << 14) | 1.
  RunResult from = Basin("log cat " + log + " --from-address 1");
  EXPECT_EQ(from.code, 0) << from.err;
  EXPECT_EQ(from.out, "two\nlines\nthree\n");
  EXPECT_EQ(Basin("log cat " + log + " --from-address 0x40000").code, 1);  // block 16
  EXPECT_EQ(Basin("log cat " + log + " --from-entry 1 --from-address 5").code, 2);
}

TEST_F(CliTest, LogVerifyReportsDamageAndRecoverRepairsIt) {
  const std::string log = dir_.path() + "/d.log";
  std::string input;
  for (int i = 0; i < 2000; ++i) input += "record number " + std::to_string(i) + "\n";
  ASSERT_EQ(Basin("log append " + log + " --block-size 4096", input).code, 0);
  std::string bytes = Slurp(log);
  bytes[10000] ^= 0x20;
  std::ofstream(log, std::ios::binary | std::ios::trunc) << bytes;
  RunResult verify = Basin("log verify " + log);
  EXPECT_EQ(verify.code, 1);
  EXPECT_NE(verify.err.find("offset"), std::string::npos) << verify.err;
  RunResult strict = Basin("log recover " + log + " --mode strict");
  EXPECT_EQ(strict.code, 1);
  RunResult skip = Basin("log recover " + log + " --mode skip-damaged");
  ASSERT_EQ(skip.code, 0) << skip.err;
  EXPECT_NE(skip.out.find("damage: offset"), std::string::npos) << skip.out;
  EXPECT_EQ(Basin("log verify " + log).code, 0);
  RunResult cat = Basin("log cat " + log);
  EXPECT_LT(cat.out.size(), input.size());
  EXPECT_GT(cat.out.size(), input.size() * 9 / 10);
}

TEST_F(CliTest, LogRecoverCutsATornTail) {
  const std::string log = dir_.path() + "/t.log";
  ASSERT_EQ(Basin("log append " + log, "a\nb\nc\n").code, 0);
  std::string bytes = Slurp(log);
  // Drop the tail and half of the last record's trailer: as if the writer died.
  std::ofstream(log, std::ios::binary | std::ios::trunc) << bytes.substr(0, 53 + 3 * 10 + 20);
  EXPECT_EQ(Basin("log verify " + log).code, 1);
  RunResult r = Basin("log recover " + log + " --mode point-in-time");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Basin("log cat " + log).out, "a\nb\nc\n");
  EXPECT_EQ(Basin("log verify " + log).code, 0);
}

// `basin log append` killed with SIGKILL, in every flavour: right after it started (before
// any input), and after thousands of lines were piped in and it had a second to make them
// durable. The log must then work with every command, hold every line that was read, and
// take more appends.
TEST_F(CliTest, LogAppendKilledBySigkillLeavesAWholeUsableLog) {
  ::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::vector<std::string>> flavours = {
      {}, {"--compression", "zstd"}, {"--basic"}, {"--block-size", "1024"}};
  std::string lines;
  for (int i = 0; i < 3000; ++i) lines += "line " + std::to_string(i) + " of the input\n";
  int n = 0;
  for (const auto& options : flavours) {
    for (bool with_input : {false, true}) {
      const std::string log = dir_.path() + "/killed" + std::to_string(n++) + ".log";
      SCOPED_TRACE(log + (options.empty() ? "" : " " + options[0]));
      std::vector<std::string> args = {"log", "append", log};
      args.insert(args.end(), options.begin(), options.end());
      {
        Child child(args);
        if (with_input) child.Write(lines);
        std::this_thread::sleep_for(std::chrono::milliseconds(with_input ? 2500 : 500));
        // Killed once the log exists (a loaded machine, or a sanitizer build, may take
        // longer than the sleep to start): the case is a writer killed after its header.
        for (int i = 0; i < 200 && !std::filesystem::exists(log); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        child.Kill();
      }
      const std::string expect = with_input ? lines : "";
      RunResult cat = Basin("log cat " + log);
      EXPECT_EQ(cat.code, 0) << cat.err;
      EXPECT_EQ(cat.out, expect);
      RunResult verify = Basin("log verify " + log);
      EXPECT_EQ(verify.code, 0) << verify.err;
      RunResult recover = Basin("log recover " + log + " --mode point-in-time");
      EXPECT_EQ(recover.code, 0) << recover.err;
      RunResult more = Basin("log append " + log, "more\n");
      EXPECT_EQ(more.code, 0) << more.err;
      EXPECT_EQ(Basin("log cat " + log).out, expect + "more\n");
      EXPECT_EQ(Basin("log verify " + log).code, 0);
    }
  }
}

// While input trickles in, what has been read reaches the store within about a second:
// another process can read it, and it survives SIGKILL.
TEST_F(CliTest, LogAppendMakesTrickledInputDurableWithinASecond) {
  ::signal(SIGPIPE, SIG_IGN);
  const std::string log = dir_.path() + "/trickle.log";
  Child child({"log", "append", log, "--compression", "lz4"});
  std::string sent;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) {
      const std::string line = "round " + std::to_string(round) + " line " + std::to_string(i);
      child.Write(line + "\n");
      sent += line + "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    RunResult cat = Basin("log cat " + log);  // the writer is still running
    EXPECT_EQ(cat.code, 0) << cat.err;
    EXPECT_EQ(cat.out, sent) << "round " << round;
  }
  child.Kill();
  EXPECT_EQ(Basin("log cat " + log).out, sent);
}

// A log file of 0 bytes, or of a header cut short, is an empty log: read as empty, a torn
// header is reported as damage by verify and cut by recovery or by the next append.
TEST_F(CliTest, LogCommandsTreatAnEmptyOrTornHeaderLogAsEmpty) {
  const std::string model = dir_.path() + "/model.log";
  ASSERT_EQ(Basin("log append " + model, "x\n").code, 0);
  const std::string header = Slurp(model).substr(0, 53);
  for (size_t n : {0, 1, 20, 52}) {
    const std::string log = dir_.path() + "/e" + std::to_string(n) + ".log";
    std::ofstream(log, std::ios::binary) << header.substr(0, n);
    RunResult cat = Basin("log cat " + log);
    EXPECT_EQ(cat.code, 0) << n << ": " << cat.err;
    EXPECT_EQ(cat.out, "");
    RunResult inspect = Basin("log inspect " + log);
    EXPECT_EQ(inspect.code, 0) << inspect.err;
    EXPECT_NE(inspect.out.find("empty log"), std::string::npos) << inspect.out;
    RunResult verify = Basin("log verify " + log);
    EXPECT_EQ(verify.code, n == 0 ? 0 : 1) << n << ": " << verify.err;
    if (n > 0) {
      EXPECT_NE(verify.err.find("torn"), std::string::npos) << verify.err;
    }
    if (n == 20) {
      RunResult recover = Basin("log recover " + log + " --mode point-in-time");
      EXPECT_EQ(recover.code, 0) << recover.err;
      EXPECT_NE(recover.out.find("now empty"), std::string::npos) << recover.out;
      EXPECT_EQ(Slurp(log), "");
    }
    RunResult append = Basin("log append " + log, "a\nb\n");
    ASSERT_EQ(append.code, 0) << n << ": " << append.err;
    if (n > 0 && n != 20) {
      EXPECT_NE(append.err.find("repaired"), std::string::npos) << append.err;
    }
    EXPECT_EQ(Basin("log cat " + log).out, "a\nb\n");
  }
}

// Appending to a log whose writer died first repairs it, and says so on stderr.
TEST_F(CliTest, LogAppendReportsTheRepairOfATornTail) {
  const std::string log = dir_.path() + "/torn.log";
  ASSERT_EQ(Basin("log append " + log, "a\nb\nc\n").code, 0);
  const std::string bytes = Slurp(log);
  std::ofstream(log, std::ios::binary | std::ios::trunc) << bytes.substr(0, 53 + 2 * 10 + 4);
  RunResult r = Basin("log append " + log, "d\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("was not closed by its last writer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cut 4 bytes"), std::string::npos) << r.err;
  EXPECT_EQ(Basin("log cat " + log).out, "a\nb\nd\n");
}

TEST_F(CliTest, LogSegmentDirectoryWithATrailingSlash) {
  const std::string dir = dir_.path() + "/segments/";
  ASSERT_EQ(Basin("log append " + dir, "x\ny\n").code, 0);
  EXPECT_EQ(Basin("log cat " + dir).out, "x\ny\n");
  RunResult inspect = Basin("log inspect " + dir);
  EXPECT_NE(inspect.out.find("1 segments"), std::string::npos) << inspect.out;
  EXPECT_EQ(Basin("log verify " + dir).code, 0);
}

TEST_F(CliTest, LogCommandsOnAbsentOrBadInput) {
  EXPECT_EQ(Basin("log cat " + dir_.path() + "/nothing").code, 1);
  EXPECT_EQ(Basin("log verify " + dir_.path() + "/nothing").code, 1);
  EXPECT_EQ(Basin("log recover " + dir_.path() + "/x --mode sideways").code, 2);
  std::ofstream(dir_.path() + "/junk") << "this is not a log at all, just some text";
  RunResult junk = Basin("log verify " + dir_.path() + "/junk");
  EXPECT_EQ(junk.code, 1);
  EXPECT_FALSE(junk.err.empty());
}

TEST_F(CliTest, TableBuildGetScanInspectVerify) {
  const std::string t = dir_.path() + "/t.tbl";
  std::string input;
  for (int i = 0; i < 500; ++i)
    input += "k" + std::to_string(1000 + i) + "\tv" + std::to_string(i) + "\n";
  RunResult b = Basin("table build " + t + " --compression zstd --block-size 1024", input);
  ASSERT_EQ(b.code, 0) << b.err;
  RunResult g = Basin("table get " + t + " k1042");
  EXPECT_EQ(g.code, 0);
  EXPECT_EQ(g.out, "v42\n");
  EXPECT_EQ(Basin("table get " + t + " absent").code, 1);
  EXPECT_EQ(Basin("table scan " + t + " --from k1010 --to k1012").out, "k1010\tv10\nk1011\tv11\n");
  EXPECT_EQ(Basin("table scan " + t + " --from k1010 --to k1012 --reverse").out,
            "k1011\tv11\nk1010\tv10\n");
  EXPECT_EQ(Basin("table scan " + t).out, input);
  RunResult i = Basin("table inspect " + t);
  EXPECT_EQ(i.code, 0);
  EXPECT_NE(i.out.find("false-positive rate"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("entries:      500"), std::string::npos) << i.out;
  EXPECT_EQ(Basin("table verify " + t).code, 0);
}

TEST_F(CliTest, TableBuildRefusesUnsortedInputUnlessAskedToSort) {
  const std::string t = dir_.path() + "/u.tbl";
  RunResult bad = Basin("table build " + t, "b\t1\na\t2\n");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;
  RunResult sorted = Basin("table build --sort " + t, "b\t1\na\t2\nb\t3\n");
  ASSERT_EQ(sorted.code, 0) << sorted.err;
  EXPECT_EQ(Basin("table scan " + t).out, "a\t2\nb\t3\n");  // the last value of b wins
  EXPECT_EQ(Basin("table build " + t, "no tab here\n").code, 2);
}

TEST_F(CliTest, TableVerifyNamesTheDamagedBlock) {
  const std::string t = dir_.path() + "/d.tbl";
  std::string input;
  for (int i = 0; i < 2000; ++i) input += "key" + std::to_string(10000 + i) + "\tvalue\n";
  ASSERT_EQ(Basin("table build " + t, input).code, 0);
  std::string bytes = Slurp(t);
  bytes[5000] ^= 1;
  std::ofstream(t, std::ios::binary | std::ios::trunc) << bytes;
  RunResult v = Basin("table verify " + t);
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.err.find("data block"), std::string::npos) << v.err;
  std::ofstream(t, std::ios::binary | std::ios::trunc) << bytes.substr(0, 100);
  RunResult trunc = Basin("table verify " + t);
  EXPECT_EQ(trunc.code, 1);
  EXPECT_NE(trunc.err.find("truncated"), std::string::npos) << trunc.err;
}

TEST_F(CliTest, StoreBenchReportsEachOperationAndCleansUp) {
  const std::string dir = dir_.path() + "/bench/";
  RunResult r = Basin("store bench " + dir + " --count 8 --size 10000 --parallel 2");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* op : {"put ", "get ", "list ", "delete "}) {
    EXPECT_NE(r.out.find(op), std::string::npos) << op << " missing from: " << r.out;
  }
  EXPECT_NE(r.out.find("8 keys"), std::string::npos) << r.out;
  EXPECT_EQ(Basin("store ls " + dir).out, "");  // every object deleted
  EXPECT_EQ(Basin("store bench " + dir + " --count 0").code, 2);
}

// --json was accepted and ignored by the store commands: scripts got tab-separated text.
TEST_F(CliTest, StoreCommandsWriteJsonLinesUnderJson) {
  const std::string dir = dir_.path() + "/j/";
  ASSERT_EQ(Basin("store put " + dir + "a -", "12345").code, 0);
  ASSERT_EQ(Basin("store put " + dir + "b -", "").code, 0);
  auto lines = [](const std::string& out) {
    std::vector<nlohmann::json> all;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      all.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
    }
    return all;
  };
  RunResult ls = Basin("store ls --json " + dir);
  ASSERT_EQ(ls.code, 0) << ls.err;
  auto objects = lines(ls.out);
  ASSERT_EQ(objects.size(), 2u) << ls.out;
  EXPECT_EQ(objects[0]["size"], 5);
  EXPECT_EQ(objects[1]["size"], 0);
  RunResult stat = Basin("store stat --json " + dir + "a");
  ASSERT_EQ(stat.code, 0) << stat.err;
  ASSERT_EQ(lines(stat.out).size(), 1u) << stat.out;
  EXPECT_EQ(lines(stat.out)[0]["size"], 5);
  RunResult sweep = Basin("store sweep --json " + dir_.path());
  ASSERT_EQ(sweep.code, 0) << sweep.err;
  ASSERT_EQ(lines(sweep.out).size(), 1u) << sweep.out;
  EXPECT_FALSE(lines(sweep.out)[0].is_discarded()) << sweep.out;
  RunResult bench = Basin("store bench --json " + dir + " --count 2 --size 100");
  ASSERT_EQ(bench.code, 0) << bench.err;
  auto steps = lines(bench.out);
  ASSERT_EQ(steps.size(), 4u) << bench.out;  // put, get, list, delete
  for (const auto& step : steps) EXPECT_TRUE(step.contains("requests")) << bench.out;
}

// Sizes and parallelism beyond reason once ended in std::bad_alloc, std::length_error (a
// size of -1) or std::system_error (100,000 threads): uncaught, exit 134.
TEST_F(CliTest, StoreBenchRefusesSizesAndParallelismBeyondReasonClearly) {
  const std::string dir = dir_.path() + "/bench/";
  for (const char* bad : {"--size 99999999999999", "--size -1", "--parallel 100000",
                          "--size 1073741824 --parallel 8"}) {
    RunResult r = Basin("store bench " + dir + " --count 1 " + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << bad << ": " << r.err;
  }
}

TEST_F(CliTest, StoreSweepRemovesLeftOverTempFilesOnly) {
  const std::string root = dir_.path() + "/repo";
  ASSERT_EQ(Basin("store put " + root + "/d/obj -", "kept").code, 0);
  std::ofstream(root + "/d/.basin-tmp-00000000deadbeef") << "left by a killed writer";
  RunResult young = Basin("store sweep " + root);
  EXPECT_EQ(young.code, 0) << young.err;
  EXPECT_NE(young.out.find("removed 0 temporary files"), std::string::npos) << young.out;
  RunResult r = Basin("store sweep " + root + " --min-age 0");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("removed 1 temporary files (23 bytes)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::ifstream(root + "/d/.basin-tmp-00000000deadbeef").good());
  EXPECT_EQ(Basin("store get " + root + "/d/obj").out, "kept");
  EXPECT_EQ(Basin("store sweep mem://x").code, 2);
}

}  // namespace
}  // namespace basin
