// Restore into a target that already holds things: an entry of the other kind where the
// snapshot has a directory or a file (a conflict), and the temporary files a killed restore
// left. Nothing outside the target is ever written (a symlink in the way is not followed).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "awkward_tree.h"
#include "basin/backup.h"
#include "basin/memory_store.h"
#include "cli_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

namespace fs = std::filesystem;
using basin::testing::Slurp;
using basin::testing::TempDir;
using basin::testing::Write;

// A basin holding one snapshot of src: dir/f, dir/sub/g, file2, link -> top, top.
class RestoreTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BasinOptions o;
    o.store = NewMemoryStore();
    InitOptions init;
    init.password = "pw";
    init.kdf = {1, 8 << 10};
    ASSERT_OK_AND_ASSIGN(basin_, Basin::Init(o, init));
    src_ = dir_.path() + "/src";
    target_ = dir_.path() + "/t";
    outside_ = dir_.path() + "/outside";
    fs::create_directories(src_ + "/dir/sub");
    fs::create_directories(outside_);
    Write(src_ + "/dir/f", "hello");
    Write(src_ + "/dir/sub/g", "deep");
    Write(src_ + "/file2", "f2");
    Write(src_ + "/top", "top");
    fs::create_symlink("top", src_ + "/link");
    BackupOptions bo;
    bo.paths = {src_};
    auto r = Backup(*basin_, bo);
    ASSERT_OK(r);
    snapshot_ = r->snapshot;
  }

  // Restores src into target_ with `mode`; the paths warned about go to warned_.
  Result<RestoreResult> RestoreWith(Overwrite mode) {
    warned_.clear();
    messages_.clear();
    RestoreOptions o;
    o.target = target_;
    o.path = src_;
    o.overwrite = mode;
    o.warning = [this](const std::string& path, const Status& why) {
      warned_.push_back(path);
      messages_ += why.message() + "\n";
    };
    return Restore(*basin_, snapshot_, o);
  }

  // A fresh target holding, where the snapshot has dir/, a file or a symlink to outside_.
  void PutInTheWayOfDir(bool symlink) {
    fs::remove_all(target_);
    fs::create_directories(target_);
    if (symlink) {
      fs::create_directory_symlink(outside_, target_ + "/dir");
    } else {
      Write(target_ + "/dir", "a file");
    }
  }

  bool IsA(const std::string& path, fs::file_type type) {
    return fs::symlink_status(path).type() == type;
  }

  TempDir dir_;
  std::unique_ptr<Basin> basin_;
  std::string src_, target_, outside_;
  Snapshot snapshot_;
  std::vector<std::string> warned_;
  std::string messages_;
};

// Regression: a file or symlink where the snapshot has a directory stopped the whole
// restore with "invalid argument" (exit 2), whatever --overwrite said.
TEST_F(RestoreTargetTest, AFileOrSymlinkWhereTheSnapshotHasADirectoryIsReplaced) {
  for (Overwrite mode : {Overwrite::kAlways, Overwrite::kIfChanged}) {
    for (bool symlink : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "mode " << int(mode) << " symlink " << symlink);
      PutInTheWayOfDir(symlink);
      auto r = RestoreWith(mode);
      ASSERT_OK(r);
      EXPECT_EQ(r->conflicts, 0u);
      EXPECT_TRUE(warned_.empty()) << messages_;
      EXPECT_TRUE(IsA(target_ + "/dir", fs::file_type::directory));
      EXPECT_EQ(Slurp(target_ + "/dir/f"), "hello");
      EXPECT_EQ(Slurp(target_ + "/dir/sub/g"), "deep");
      EXPECT_EQ(Slurp(target_ + "/top"), "top");
      EXPECT_TRUE(fs::is_empty(outside_)) << "a restore wrote through a symlink";
    }
  }
}

TEST_F(RestoreTargetTest, WithOverwriteNeverAFileOrSymlinkWhereADirectoryIsDueIsLeftAndNamed) {
  for (bool symlink : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "symlink " << symlink);
    PutInTheWayOfDir(symlink);
    auto r = RestoreWith(Overwrite::kNever);
    ASSERT_OK(r);
    EXPECT_EQ(r->conflicts, 1u);
    EXPECT_EQ(warned_, std::vector<std::string>{target_ + "/dir"});
    EXPECT_NE(messages_.find("where the snapshot has a directory"), std::string::npos) << messages_;
    if (symlink) {
      EXPECT_TRUE(IsA(target_ + "/dir", fs::file_type::symlink));
    } else {
      EXPECT_EQ(Slurp(target_ + "/dir"), "a file");
    }
    EXPECT_TRUE(fs::is_empty(outside_)) << "a restore wrote through a symlink";
    // The rest of the restore went on.
    EXPECT_EQ(Slurp(target_ + "/file2"), "f2");
    EXPECT_EQ(Slurp(target_ + "/top"), "top");
  }
}

// A directory where the snapshot has a file or symlink: an empty one is replaced; one
// with something in it is never removed (nothing is removed recursively), but named.
TEST_F(RestoreTargetTest, AnEmptyDirectoryWhereAFileIsDueIsReplacedANonEmptyOneIsLeftAndNamed) {
  for (Overwrite mode : {Overwrite::kAlways, Overwrite::kIfChanged}) {
    SCOPED_TRACE(::testing::Message() << "mode " << int(mode));
    fs::remove_all(target_);
    fs::create_directories(target_ + "/top");
    fs::create_directories(target_ + "/link");
    fs::create_directories(target_ + "/file2");
    Write(target_ + "/file2/keep", "mine");
    auto r = RestoreWith(mode);
    ASSERT_OK(r);
    EXPECT_EQ(r->conflicts, 1u);
    EXPECT_EQ(warned_, std::vector<std::string>{target_ + "/file2"});
    EXPECT_NE(messages_.find("not empty"), std::string::npos) << messages_;
    EXPECT_EQ(Slurp(target_ + "/file2/keep"), "mine");
    EXPECT_EQ(Slurp(target_ + "/top"), "top");
    ASSERT_TRUE(IsA(target_ + "/link", fs::file_type::symlink));
    EXPECT_EQ(fs::read_symlink(target_ + "/link"), "top");
    EXPECT_EQ(Slurp(target_ + "/dir/sub/g"), "deep");
  }
}

TEST_F(RestoreTargetTest, WithOverwriteNeverADirectoryWhereAFileIsDueIsLeftAndNamed) {
  fs::create_directories(target_ + "/top");
  auto r = RestoreWith(Overwrite::kNever);
  ASSERT_OK(r);
  EXPECT_EQ(r->conflicts, 1u);
  EXPECT_EQ(warned_, std::vector<std::string>{target_ + "/top"});
  EXPECT_TRUE(IsA(target_ + "/top", fs::file_type::directory));
  EXPECT_EQ(Slurp(target_ + "/file2"), "f2");
}

// With includes, the directories on the way to a match are made only when needed: one in
// the way is named once, however many matches are below it.
TEST_F(RestoreTargetTest, WithIncludesAConflictOnTheWayIsNamedOnceAndTheRestRestored) {
  fs::create_directories(target_);
  Write(target_ + "/dir", "a file");
  RestoreOptions o;
  o.target = target_;
  o.path = src_;
  o.overwrite = Overwrite::kNever;
  o.includes = {"f", "g", "top"};
  o.warning = [this](const std::string& path, const Status&) { warned_.push_back(path); };
  auto r = Restore(*basin_, snapshot_, o);
  ASSERT_OK(r);
  EXPECT_EQ(r->conflicts, 1u);
  EXPECT_EQ(warned_, std::vector<std::string>{target_ + "/dir"});
  EXPECT_EQ(Slurp(target_ + "/dir"), "a file");
  EXPECT_EQ(Slurp(target_ + "/top"), "top");
  EXPECT_FALSE(fs::exists(target_ + "/file2"));
}

// Regression: the temporary files of a restore that was killed stayed in the target for
// good. A restore removes those it finds in the directories it writes into: regular files
// named exactly as its temporaries, nothing else.
TEST_F(RestoreTargetTest, StaleTemporaryFilesOfAKilledRestoreAreRemovedAndNothingElse) {
  for (Overwrite mode : {Overwrite::kAlways, Overwrite::kIfChanged, Overwrite::kNever}) {
    SCOPED_TRACE(::testing::Message() << "mode " << int(mode));
    fs::remove_all(target_);
    fs::create_directories(target_ + "/dir/sub");
    const std::vector<std::string> stale = {target_ + "/.basin-restore-0123456789abcdef",
                                            target_ + "/dir/sub/.basin-restore-fedcba9876543210"};
    for (const auto& p : stale) Write(p, "half a file");
    const std::vector<std::string> kept = {
        target_ + "/.basin-restore-0123456789abcdeg",     // not hex
        target_ + "/.basin-restore-0123456789ABCDEF",     // not basin's lower case
        target_ + "/.basin-restore-0123456789abcdef0",    // too long
        target_ + "/dir/.basin-restore-fedcba987654321",  // too short
        target_ + "/dir/x.basin-restore-fedcba9876543210"};
    for (const auto& p : kept) Write(p, "someone's");
    const std::string link = target_ + "/dir/.basin-restore-aaaaaaaaaaaaaaaa";
    const std::string subdir = target_ + "/dir/.basin-restore-bbbbbbbbbbbbbbbb";
    Write(outside_ + "/precious", "precious");
    fs::create_symlink(outside_ + "/precious", link);
    fs::create_directories(subdir);
    auto r = RestoreWith(mode);
    ASSERT_OK(r);
    EXPECT_EQ(r->temps_removed, 2u);
    for (const auto& p : stale) EXPECT_FALSE(fs::exists(fs::symlink_status(p))) << p;
    for (const auto& p : kept) EXPECT_EQ(Slurp(p), "someone's") << p;
    EXPECT_TRUE(IsA(link, fs::file_type::symlink));
    EXPECT_TRUE(IsA(subdir, fs::file_type::directory));
    EXPECT_EQ(Slurp(outside_ + "/precious"), "precious");
    EXPECT_EQ(Slurp(target_ + "/dir/sub/g"), "deep");
  }
}

}  // namespace
}  // namespace basin
