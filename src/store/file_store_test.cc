#include "store/file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "basin/retrying_store.h"
#include "store/store_conformance.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::TempDir;

// A store that owns the temporary directory it lives in.
std::shared_ptr<ObjectStore> NewTempFileStore() {
  struct Holder {
    TempDir dir;
    std::shared_ptr<ObjectStore> store;
  };
  auto h = std::make_shared<Holder>();
  h->store = *OpenFileStore(h->dir.path());
  return std::shared_ptr<ObjectStore>(h, h->store.get());
}

INSTANTIATE_TEST_SUITE_P(File, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"FileStore", NewTempFileStore}),
                         StoreFactoryName);

// Fails the n-th call it sees (counting every call), with `err`; or, in short-write mode,
// lets every write through only half its bytes.
class FaultyFsOps : public FsOps {
 public:
  int fail_at = 0;  // 0: never
  int err = EIO;
  bool short_writes = false;
  std::atomic<int> calls{0};
  std::atomic<int> fsyncs{0};

  int Open(const char* p, int f, mode_t m) override { return Fail() ? -1 : FsOps::Open(p, f, m); }
  ssize_t Write(int fd, const void* b, size_t n) override {
    if (Fail()) return -1;
    if (short_writes && n > 1) n /= 2;
    return FsOps::Write(fd, b, n);
  }
  int Fsync(int fd) override {
    ++fsyncs;
    return Fail() ? -1 : FsOps::Fsync(fd);
  }
  int Close(int fd) override {
    if (Fail()) {
      FsOps::Close(fd);  // the descriptor is gone either way, as with close(2)
      return -1;
    }
    return FsOps::Close(fd);
  }
  int Rename(const char* a, const char* b, bool nr) override {
    return Fail() ? -1 : FsOps::Rename(a, b, nr);
  }
  int Link(const char* a, const char* b) override { return Fail() ? -1 : FsOps::Link(a, b); }
  int Unlink(const char* p) override { return Fail() ? -1 : FsOps::Unlink(p); }
  int Mkdir(const char* p, mode_t m) override { return Fail() ? -1 : FsOps::Mkdir(p, m); }

 private:
  bool Fail() {
    const int n = ++calls;
    if (fail_at != 0 && n == fail_at) {
      errno = err;
      return true;
    }
    return false;
  }
};

// Every file under `root` whose name marks it as a store's temporary file.
int CountTempFiles(const std::string& root) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().filename().string().starts_with(".basin-tmp-")) ++n;
  }
  return n;
}

// Injects a failure at every system call of a put, in turn, and checks that the object is
// then absent or whole (for an overwrite: the old object or the new, whole), that no
// temporary file is left, and that the store keeps working.
void CheckFaultAtEveryCall(PutMode mode, bool pre_existing, int err) {
  const std::string old_data(50000, 'o'), new_data = basin::testing::RandomBytes(3 << 20, 9);
  int faults_seen = 0;
  for (int n = 1;; ++n) {
    TempDir dir;
    FaultyFsOps ops;
    auto store = *OpenFileStoreWithOps(dir.path(), {}, &ops);
    if (pre_existing) {
      ASSERT_TRUE(store->Put("sub/dir/obj", old_data, PutMode::kOverwrite).ok());
    }
    ops.err = err;
    ops.fail_at = ops.calls + n;
    Status s = store->Put("sub/dir/obj", new_data, mode);
    const bool faulted = ops.calls >= ops.fail_at;
    ops.fail_at = 0;
    if (!faulted) {  // the put made fewer than n calls: every call has been failed once
      ASSERT_TRUE(s.ok()) << s.ToString();
      break;
    }
    ++faults_seen;
    std::string got;
    Status g = store->Get("sub/dir/obj", ByteRange::All(), &got);
    if (s.ok() || g.ok()) {
      ASSERT_TRUE(g.ok()) << "call " << n << ": " << g.ToString();
      EXPECT_TRUE(got == new_data || (pre_existing && got == old_data))
          << "call " << n << ": a partial object of " << got.size() << " bytes is visible";
    } else {
      EXPECT_FALSE(pre_existing) << "call " << n << ": the old object was lost";
      EXPECT_TRUE(g.IsNotFound()) << g.ToString();
    }
    EXPECT_EQ(CountTempFiles(dir.path()), 0) << "call " << n;
    auto listed = store->ListAll("");
    ASSERT_TRUE(listed.ok());
    EXPECT_LE(listed->size(), 1u);
    // The store still works after the fault.
    ASSERT_TRUE(store->Put("sub/dir/obj", "after", PutMode::kOverwrite).ok()) << "call " << n;
  }
  EXPECT_GE(faults_seen, 8);  // open, write, fsync, close, rename, and the directory fsync
}

TEST(FileStoreTest, FaultAtEveryCallOfACreatingPutLeavesNoPartialObject) {
  CheckFaultAtEveryCall(PutMode::kOverwrite, false, EIO);
}

TEST(FileStoreTest, FaultAtEveryCallOfAnOverwriteKeepsTheOldOrNewObjectWhole) {
  CheckFaultAtEveryCall(PutMode::kOverwrite, true, EIO);
}

TEST(FileStoreTest, FaultAtEveryCallOfACreateOnlyPutLeavesNoPartialObject) {
  CheckFaultAtEveryCall(PutMode::kCreateOnly, false, ENOSPC);
}

TEST(FileStoreTest, ShortWritesAreCompletedNotTruncated) {
  TempDir dir;
  FaultyFsOps ops;
  ops.short_writes = true;
  auto store = *OpenFileStoreWithOps(dir.path(), {}, &ops);
  const std::string data = basin::testing::RandomBytes(5 << 20, 3);
  ASSERT_TRUE(store->Put("k", data, PutMode::kOverwrite).ok());
  EXPECT_EQ(*store->Get("k"), data);
}

TEST(FileStoreTest, FailedFsyncIsNotRetryableAndLeavesNothing) {
  TempDir dir;
  FaultyFsOps ops;
  auto base = *OpenFileStoreWithOps(dir.path(), {}, &ops);
  ASSERT_TRUE(base->Put("warm", "x", PutMode::kOverwrite).ok());  // directories exist
  RetryingStore store(base, RetryPolicy{.max_attempts = 5, .sleep = [](auto) {}});
  // A put in an existing directory: open tmp (1), write (2), fsync (3).
  ops.fail_at = ops.calls + 3;
  const int fsyncs_before = ops.fsyncs;
  Status s = store.Put("k", "data", PutMode::kOverwrite);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(store.retries(), 0u);
  EXPECT_EQ(ops.fsyncs - fsyncs_before, 1);  // never fsynced again after the failure
  EXPECT_TRUE(base->Head("k").status().IsNotFound());
}

TEST(FileStoreTest, TempFilesLeftByACrashAreInvisible) {
  TempDir dir;
  auto store = *OpenFileStore(dir.path());
  ASSERT_TRUE(store->Put("d/real", "v").ok());
  std::ofstream(dir.path() + "/.basin-tmp-0123456789abcdef") << "half an object";
  std::ofstream(dir.path() + "/d/.basin-tmp-feedfacefeedface") << "another half";
  auto all = store->ListAll("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, "d/real");
  EXPECT_TRUE(store->Head(".basin-tmp-0123456789abcdef").status().IsInvalidArgument());
}

// Names of the temp files under `root`, found by walking it.
std::vector<std::string> TempFiles(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().filename().string().starts_with(".basin-tmp-")) out.push_back(e.path());
  }
  return out;
}

TEST(FileStoreTest, SweepRemovesOnlyTempFilesNoWriterHolds) {
  TempDir dir;
  auto store = *OpenFileStore(dir.path());
  ASSERT_TRUE(store->Put("d/real", "v").ok());
  // Left by writers that died: unlocked.
  std::ofstream(dir.path() + "/.basin-tmp-0123456789abcdef") << "half an object";
  std::ofstream(dir.path() + "/d/.basin-tmp-feedfacefeedface") << "another half";
  // A writer still at work, in this process: it holds its temp file's lock.
  auto live = *store->NewWriter("d/e/live");
  ASSERT_TRUE(live->Append("streaming").ok());
  ASSERT_EQ(TempFiles(dir.path()).size(), 3u);

  auto young = SweepFileStore(dir.path());  // default age limit: nothing is old enough
  ASSERT_TRUE(young.ok()) << young.status().ToString();
  EXPECT_EQ(young->removed, 0u);
  EXPECT_EQ(young->skipped_young, 3u);

  auto swept = SweepFileStore(dir.path(), std::chrono::seconds(0));
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->removed, 2u);
  EXPECT_EQ(swept->bytes_freed, 14u + 12u);
  EXPECT_EQ(swept->skipped_in_use, 1u);
  ASSERT_EQ(TempFiles(dir.path()).size(), 1u);
  ASSERT_TRUE(live->Close().ok());  // the live writer was not disturbed
  EXPECT_EQ(*store->Get("d/e/live"), "streaming");
  EXPECT_EQ(*store->Get("d/real"), "v");
  EXPECT_TRUE(TempFiles(dir.path()).empty());
  EXPECT_TRUE(SweepFileStore(dir.path() + "/d/real").status().IsInvalidArgument());
  EXPECT_TRUE(SweepFileStore(dir.path() + "/absent").status().IsNotFound());
}

TEST(FileStoreTest, AKeyCannotBeBothAnObjectAndADirectory) {
  TempDir dir;
  auto store = *OpenFileStore(dir.path());
  ASSERT_TRUE(store->Put("a", "object").ok());
  Status under = store->Put("a/b", "v");
  EXPECT_TRUE(under.IsInvalidArgument()) << under.ToString();
  ASSERT_TRUE(store->Put("c/d", "v").ok());
  Status over = store->Put("c", "v");
  EXPECT_TRUE(over.IsInvalidArgument()) << over.ToString();
  Status over_once = store->Put("c", "v", PutMode::kCreateOnly);
  EXPECT_TRUE(over_once.IsInvalidArgument()) << over_once.ToString();
  EXPECT_TRUE(store->Head("c").status().IsNotFound());
  EXPECT_EQ(*store->Get("a"), "object");
  EXPECT_EQ(CountTempFiles(dir.path()), 0);
}

TEST(FileStoreTest, ObjectsSurviveReopening) {
  TempDir dir;
  ASSERT_TRUE((*OpenFileStore(dir.path()))->Put("x/y", "kept").ok());
  auto again = OpenFileStore(dir.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->Get("x/y"), "kept");
  EXPECT_EQ((*again)->url(), "file://" + dir.path());
}

TEST(FileStoreTest, OpenRefusesAFileAndHonoursCreateRoot) {
  TempDir dir;
  std::ofstream(dir.path() + "/plain") << "x";
  EXPECT_TRUE(OpenFileStore(dir.path() + "/plain").status().IsInvalidArgument());
  FileStoreOptions no_create;
  no_create.create_root = false;
  EXPECT_TRUE(OpenFileStore(dir.path() + "/missing", no_create).status().IsNotFound());
  auto created = OpenFileStore(dir.path() + "/new/deep/root");
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/new/deep/root"));
}

// Runs as an unprivileged user even under root (CI), so that the check is real.
TEST(FileStoreTest, PermissionDeniedIsReportedAsSuch) {
  const int code = basin::testing::RunUnprivileged([] {
    TempDir dir;  // made by the unprivileged child, under /tmp
    auto store = OpenFileStore(dir.path());
    if (!store.ok()) return 10;
    if (!(*store)->Put("k", "v").ok()) return 11;
    ::chmod(dir.path().c_str(), 0500);
    const Status put = (*store)->Put("k2", "v");
    const Status del = (*store)->Delete("k");
    ::chmod(dir.path().c_str(), 0700);
    if (!put.IsPermissionDenied()) return 12;
    if (!del.IsPermissionDenied()) return 13;
    return 0;
  });
  EXPECT_EQ(code, 0) << "10: open, 11: first put, 12: put was not PermissionDenied, 13: delete";
}

}  // namespace
}  // namespace basin
