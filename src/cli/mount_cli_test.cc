// basin mount through a real FUSE mount (CI runs as root, with /dev/fuse): the mounted
// snapshot compared with the tree that was backed up using plain POSIX calls, new
// snapshots appearing without a remount, damaged data read as EIO, clean unmounts. No
// test leaves a mount behind: TearDown unmounts and kills whatever is left.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "awkward_tree.h"
#include "cli_test_util.h"
#include "test_util.h"
#include "tree_compare.h"

namespace basin {
namespace {

using basin::testing::RunBasin;
using basin::testing::RunResult;
using basin::testing::Slurp;
using basin::testing::TempDir;

// Whether `dir` is a mount point (listed in this process's mountinfo).
bool IsMounted(const std::string& dir) {
  std::istringstream in(Slurp("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point == dir) return true;
  }
  return false;
}

// Polls `ready` for up to 20 seconds.
bool WaitUntil(const std::function<bool()>& ready) {
  for (int i = 0; i < 200; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ready();
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    out.push_back(e.path().filename());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class MountCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("BASIN_PASSWORD", "pw", 1);
    repo_ = dir_.path() + "/repo";
    src_ = dir_.path() + "/src";
    mnt_ = dir_.path() + "/mnt";
    std::filesystem::create_directories(mnt_);
    ASSERT_EQ(Run("init").code, 0);
  }

  void TearDown() override {
    if (IsMounted(mnt_)) {
      ADD_FAILURE() << "still mounted at the end of the test: unmounting";
      std::system(("fusermount3 -uz '" + mnt_ + "' >/dev/null 2>&1").c_str());
    }
    if (pid_ > 0 && ::kill(pid_, 0) == 0) {
      ::kill(pid_, SIGKILL);
      basin::testing::WaitFor(pid_);
    }
    if (IsMounted(mnt_)) std::system(("umount -l '" + mnt_ + "' >/dev/null 2>&1").c_str());
  }

  RunResult Run(const std::string& args) {
    return RunBasin(BASIN_BINARY, dir_.path(), args + " --repo " + repo_);
  }

  // Starts `basin mount` in the background and waits for the mount.
  void Mount() {
    pid_ = basin::testing::Spawn(BASIN_BINARY, {"mount", "--repo", repo_, mnt_},
                                 dir_.path() + "/mount.err");
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(WaitUntil([&] { return IsMounted(mnt_); }))
        << "no mount after 20 s: " << Slurp(dir_.path() + "/mount.err");
  }

  // Ends the mount with `signal` (0: fusermount3 -u) and checks that the process exits 0.
  void Unmount(int signal) {
    if (signal != 0) {
      ASSERT_EQ(::kill(pid_, signal), 0);
    } else {
      ASSERT_EQ(std::system(("fusermount3 -u '" + mnt_ + "'").c_str()), 0);
    }
    EXPECT_EQ(basin::testing::WaitFor(pid_), 0) << Slurp(dir_.path() + "/mount.err");
    pid_ = -1;
    EXPECT_FALSE(IsMounted(mnt_));
  }

  // The source tree in the newest snapshot, through the mount.
  std::string Latest() { return mnt_ + "/snapshots/latest" + src_; }

  TempDir dir_;
  std::string repo_, src_, mnt_;
  pid_t pid_ = -1;
};

TEST_F(MountCliTest, TheMountedSnapshotMatchesTheBackedUpTreeByPosixCalls) {
  basin::testing::MakeAwkwardTree(src_);
  ASSERT_EQ(::mknod((src_ + "/null-device").c_str(), S_IFCHR | 0600, makedev(1, 3)), 0);
  ASSERT_EQ(Run("backup " + src_).code, 0);
  Mount();
  // readdir, stat, readlink, getxattr and every byte (holes as holes), entry by entry.
  for (const auto& d : basin::testing::CompareTrees(src_, Latest())) ADD_FAILURE() << d;
  char value[16];
  EXPECT_EQ(::lgetxattr((Latest() + "/xattrs").c_str(), "user.basin", value, sizeof value), 7);
  EXPECT_EQ(std::string(value, 7), std::string("value\0x", 7));
  struct stat a, b;
  ASSERT_EQ(::stat((Latest() + "/hard-a").c_str(), &a), 0);
  ASSERT_EQ(::stat((Latest() + "/dir/hard-b").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  ASSERT_EQ(::lstat((Latest() + "/null-device").c_str(), &a), 0);
  EXPECT_TRUE(S_ISCHR(a.st_mode));
  EXPECT_EQ(a.st_rdev, makedev(1, 3));
  // pread at random offsets of the multi-chunk file.
  const std::string want = Slurp(src_ + "/dir/random");
  const int fd = ::open((Latest() + "/dir/random").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) {
    const size_t off = rng() % want.size();
    std::string buf(1 + rng() % (300 << 10), '\0');
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
    ASSERT_EQ(n, static_cast<ssize_t>(std::min(buf.size(), want.size() - off))) << off;
    ASSERT_EQ(buf.substr(0, n), want.substr(off, n)) << off;
  }
  ::close(fd);
  // A second backup shows up under snapshots/ without a remount.
  ASSERT_EQ(List(mnt_ + "/snapshots").size(), 2u);  // one snapshot and latest
  basin::testing::Write(src_ + "/added", "new");
  ASSERT_EQ(Run("backup " + src_).code, 0);
  EXPECT_TRUE(WaitUntil([&] { return List(mnt_ + "/snapshots").size() == 3; }));
  EXPECT_EQ(Slurp(Latest() + "/added"), "new");
  EXPECT_EQ(List(mnt_ + "/ids").size(), 2u);
  Unmount(SIGINT);
}

TEST_F(MountCliTest, ADamagedChunkReadsAsEioAndTheMountStaysUp) {
  std::filesystem::create_directories(src_);
  basin::testing::Write(src_ + "/victim", basin::testing::RandomBytes(1 << 20, 9));
  ASSERT_EQ(Run("backup " + src_).code, 0);
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo_ + "/strata/data")) {
    if (!e.is_regular_file()) continue;
    std::string bytes = Slurp(e.path());
    for (size_t i = 64; i < bytes.size(); i += 4096) bytes[i] ^= 0x55;
    basin::testing::Write(e.path(), bytes);
  }
  Mount();
  const int fd = ::open((Latest() + "/victim").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[4096];
  errno = 0;
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), -1);
  EXPECT_EQ(errno, EIO);
  ::close(fd);
  struct stat st;
  EXPECT_EQ(::stat((Latest() + "/victim").c_str(), &st), 0);  // still serving
  EXPECT_EQ(st.st_size, 1 << 20);
  Unmount(0);
  EXPECT_NE(Slurp(dir_.path() + "/mount.err").find("victim"), std::string::npos);
}

TEST_F(MountCliTest, AMissingMountPointOrAFileIsAClearError) {
  RunResult missing = Run("mount " + dir_.path() + "/nowhere");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  basin::testing::Write(dir_.path() + "/file", "x");
  RunResult file = Run("mount " + dir_.path() + "/file");
  EXPECT_EQ(file.code, 2);
  EXPECT_NE(file.err.find("not a directory"), std::string::npos) << file.err;
  RunResult help = RunBasin(BASIN_BINARY, dir_.path(), "mount --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--allow-other"), std::string::npos);
  EXPECT_NE(help.out.find("snapshots/<time>"), std::string::npos);
}

// In a mount namespace of its own whose /dev is an empty tmpfs, the command says that
// /dev/fuse is missing and what to do, rather than failing inside libfuse.
TEST_F(MountCliTest, WithoutDevFuseTheErrorSaysWhatIsMissing) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", "/dev", "tmpfs", 0, nullptr) != 0) {
      ::_exit(100);
    }
    const RunResult r = Run("mount " + mnt_);
    int code = 0;
    if (r.code == 0) code = 101;
    if (r.err.find("/dev/fuse does not exist") == std::string::npos) code = 102;
    ::_exit(code);
  }
  ASSERT_GT(pid, 0);
  EXPECT_EQ(basin::testing::WaitFor(pid), 0) << "100: no namespace; 101: mounted; 102: message";
  EXPECT_FALSE(IsMounted(mnt_));
}

}  // namespace
}  // namespace basin
