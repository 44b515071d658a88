// SnapshotFs without FUSE: the layout, the metadata entries show, reads at any offset
// through the chunk map (fetching only the chunks a read covers), holes, refresh, damage.
#include "mount/snapshot_fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include "awkward_tree.h"
#include "basin/backup.h"
#include "basin/file_store.h"
#include "cli_test_util.h"
#include "mount/mount_layout.h"
#include "test_util.h"

namespace basin::mount {
namespace {

using basin::testing::MakeAwkwardTree;
using basin::testing::RandomBytes;
using basin::testing::Slurp;
using basin::testing::TempDir;

class SnapshotFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BasinOptions o;
    o.store = *OpenFileStore(dir_.path() + "/basin");
    o.host = "box";
    InitOptions init;
    init.password = "pw";
    init.kdf = {1, 8 << 10};
    init.settings.chunker = {16 << 10, 64 << 10, 256 << 10};
    ASSERT_OK_AND_ASSIGN(basin_, Basin::Init(o, init));
    src_ = dir_.path() + "/src";
    MakeAwkwardTree(src_);
  }

  Snapshot MustBackup(std::vector<std::string> tags = {}) {
    BackupOptions o;
    o.paths = {src_};
    o.tags = std::move(tags);
    o.host = "box";
    auto r = Backup(*basin_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->snapshot : Snapshot{};
  }

  std::unique_ptr<SnapshotFs> Fs(std::chrono::milliseconds refresh = {}) {
    SnapshotFsOptions o;
    o.refresh_interval = refresh;
    auto fs = std::make_unique<SnapshotFs>(*basin_, o);
    EXPECT_OK(fs->Start());
    return fs;
  }

  std::vector<std::string> Names(SnapshotFs& fs, const std::string& path) {
    std::vector<std::string> out;
    EXPECT_OK(fs.ReadDir(path, [&](std::string_view n, const struct stat&) {
      out.emplace_back(n);
      return true;
    }));
    return out;
  }

  // The path of a source file in the newest snapshot, through snapshots/latest.
  std::string Latest(SnapshotFs& fs, const std::string& rel) {
    return "/snapshots/" + *fs.ReadLink("/snapshots/latest") + src_ + rel;
  }

  TempDir dir_;
  std::unique_ptr<Basin> basin_;
  std::string src_;
};

TEST(MountLayoutTest, SnapshotsOfOneSecondGetDistinctNamesAndLatestIsTheNewest) {
  std::vector<Snapshot> list(3);
  for (int i = 0; i < 3; ++i) {
    list[i].id.bytes[0] = static_cast<uint8_t>(0x10 * (i + 1));
    list[i].time_ns = 1'796'655'017'000'000'000 + i * 1000;  // one second, three snapshots
    list[i].host = i == 2 ? "other" : "box";
  }
  list[1].tags = {"weekly", "a/b"};  // a tag that cannot be a name is left out
  MountLayout layout(list);
  const VirtualDir& snaps = *layout.root().dirs.at("snapshots");
  ASSERT_EQ(snaps.snapshots.size(), 3u);
  EXPECT_TRUE(snaps.snapshots.contains("2026-12-07T14:50:17Z"));
  EXPECT_TRUE(snaps.snapshots.contains("2026-12-07T14:50:17Z-1"));
  EXPECT_EQ(snaps.latest, "2026-12-07T14:50:17Z-2");
  EXPECT_EQ(layout.root().dirs.at("tags")->dirs.size(), 1u);
  EXPECT_EQ(layout.root().dirs.at("hosts")->dirs.at("box")->snapshots.size(), 2u);
  EXPECT_TRUE(layout.root().dirs.at("ids")->snapshots.contains("30000000"));
  const std::string_view through_link[] = {"snapshots", "latest", "x"};
  EXPECT_TRUE(layout.Find(through_link).status().IsNotFound());
}

TEST_F(SnapshotFsTest, TheLayoutListsSnapshotsByTimeIdTagAndHost) {
  const Snapshot s = MustBackup({"daily"});
  auto fs = Fs();
  EXPECT_EQ(Names(*fs, "/"), (std::vector<std::string>{"hosts", "ids", "snapshots", "tags"}));
  const std::string time = MountLayout::TimeName(s.time_ns);
  EXPECT_EQ(Names(*fs, "/snapshots"), (std::vector<std::string>{time, "latest"}));
  EXPECT_EQ(*fs->ReadLink("/snapshots/latest"), time);
  EXPECT_EQ(Names(*fs, "/ids"), std::vector<std::string>{s.id.ToHex().substr(0, 8)});
  EXPECT_EQ(Names(*fs, "/tags/daily"), (std::vector<std::string>{time, "latest"}));
  EXPECT_EQ(Names(*fs, "/hosts/box"), (std::vector<std::string>{time, "latest"}));
  // Each of them holds the snapshot's tree.
  for (const std::string& top : {"/snapshots/" + time, "/ids/" + s.id.ToHex().substr(0, 8),
                                 "/tags/daily/" + time, "/hosts/box/" + time}) {
    ASSERT_OK_AND_ASSIGN(struct stat st, fs->Stat(top + src_ + "/one-byte"));
    EXPECT_EQ(st.st_size, 1) << top;
  }
  EXPECT_TRUE(fs->Stat("/snapshots/nope").status().IsNotFound());
  EXPECT_TRUE(fs->Stat(Latest(*fs, "/one-byte/below")).status().IsNotFound());
}

TEST_F(SnapshotFsTest, EntriesShowTheStoredMetadata) {
  MustBackup();
  auto fs = Fs();
  for (const char* rel : {"/dir", "/dir/sub", "/dir/random", "/modes", "/old", "/future", "/sparse",
                          "/fifo", "/dangling", "/hard-a", "/dir/hard-b"}) {
    struct stat want;
    ASSERT_EQ(::lstat((src_ + rel).c_str(), &want), 0) << rel;
    ASSERT_OK_AND_ASSIGN(struct stat got, fs->Stat(Latest(*fs, rel)));
    EXPECT_EQ(got.st_mode, want.st_mode) << rel;
    EXPECT_EQ(got.st_uid, want.st_uid) << rel;
    EXPECT_EQ(got.st_gid, want.st_gid) << rel;
    EXPECT_EQ(got.st_mtim.tv_sec, want.st_mtim.tv_sec) << rel;
    EXPECT_EQ(got.st_mtim.tv_nsec, want.st_mtim.tv_nsec) << rel;
    if (!S_ISDIR(want.st_mode)) {
      EXPECT_EQ(got.st_size, want.st_size) << rel;
      EXPECT_EQ(got.st_nlink, want.st_nlink) << rel;
    }
  }
  // Hard links share an inode number; other entries do not.
  const auto ino = [&](const char* rel) { return fs->Stat(Latest(*fs, rel))->st_ino; };
  EXPECT_EQ(ino("/hard-a"), ino("/dir/hard-b"));
  EXPECT_NE(ino("/hard-a"), ino("/one-byte"));
  EXPECT_EQ(*fs->ReadLink(Latest(*fs, "/dangling")), "does/not/exist");
  EXPECT_TRUE(fs->ReadLink(Latest(*fs, "/one-byte")).status().IsInvalidArgument());
  EXPECT_EQ(*fs->GetXattr(Latest(*fs, "/xattrs"), "user.basin"), std::string("value\0x", 7));
  EXPECT_EQ(*fs->ListXattr(Latest(*fs, "/xattrs")), std::string("user.basin\0", 11));
  EXPECT_TRUE(fs->GetXattr(Latest(*fs, "/xattrs"), "user.none").status().IsNotFound());
  // A sparse file's blocks count its data, not its holes.
  EXPECT_LT(fs->Stat(Latest(*fs, "/sparse"))->st_blocks, 100);
}

TEST_F(SnapshotFsTest, ReadsAtAnyOffsetFetchOnlyTheChunksTheyCover) {
  MustBackup();
  auto fs = Fs();
  const std::string want = Slurp(src_ + "/dir/random");
  ASSERT_OK_AND_ASSIGN(auto file, fs->Open(Latest(*fs, "/dir/random")));
  ASSERT_EQ(file->size(), want.size());
  // One byte in the middle: one chunk grain, not the file's 3 MiB.
  const uint64_t before = fs->cache().fetches();
  char byte;
  ASSERT_OK_AND_ASSIGN(size_t n, file->Read(want.size() / 2, 1, &byte));
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(byte, want[want.size() / 2]);
  EXPECT_EQ(fs->cache().fetches() - before, 1u);
  std::mt19937_64 rng(7);
  std::string buf;
  for (int i = 0; i < 200; ++i) {
    const uint64_t off = rng() % (want.size() + 1000);
    buf.assign(rng() % (600 << 10), '\0');
    ASSERT_OK_AND_ASSIGN(size_t got, file->Read(off, buf.size(), buf.data()));
    const size_t expect = off >= want.size() ? 0 : std::min(buf.size(), want.size() - off);
    ASSERT_EQ(got, expect) << off;
    ASSERT_EQ(buf.substr(0, got), want.substr(std::min<size_t>(off, want.size()), expect)) << off;
  }
}

TEST_F(SnapshotFsTest, HolesReadAsZerosAndSeekFindsDataAndHoles) {
  MustBackup();
  auto fs = Fs();
  const std::string want = Slurp(src_ + "/sparse");
  ASSERT_OK_AND_ASSIGN(auto file, fs->Open(Latest(*fs, "/sparse")));
  std::string got(want.size(), 'x');
  ASSERT_OK_AND_ASSIGN(size_t n, file->Read(0, got.size(), got.data()));
  ASSERT_EQ(n, want.size());
  EXPECT_TRUE(got == want);
  EXPECT_EQ(*file->SeekData(0), 0u);
  const uint64_t hole = *file->SeekHole(0);
  EXPECT_GT(hole, 0u);
  EXPECT_LE(hole, uint64_t{8} << 20);
  EXPECT_EQ(*file->SeekData(hole), uint64_t{8} << 20);  // the block of "middle"
  EXPECT_EQ(*file->SeekHole((uint64_t{8} << 20) + 1) > (uint64_t{8} << 20), true);
  EXPECT_TRUE(file->SeekData((uint64_t{8} << 20) + 4096).status().IsNotFound());
  EXPECT_EQ(*file->SeekHole((uint64_t{20} << 20) - 1), (uint64_t{20} << 20) - 1);
}

TEST_F(SnapshotFsTest, ConcurrentReadersShareTheCacheAndReadTheRightBytes) {
  MustBackup();
  auto fs = Fs();
  const std::string want = Slurp(src_ + "/dir/random");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto file = fs->Open(Latest(*fs, "/dir/random"));
      if (!file.ok()) return void(++wrong);
      std::mt19937_64 rng(t);
      std::string buf(128 << 10, '\0');
      for (int i = 0; i < 50; ++i) {
        const uint64_t off = rng() % want.size();
        auto n = (*file)->Read(off, buf.size(), buf.data());
        if (!n.ok() || buf.compare(0, *n, want, off, *n) != 0) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  // Each chunk was fetched once: the file's chunks and the trees on its path.
  EXPECT_LE(fs->cache().fetches(), want.size() / (16 << 10) + 10);
}

TEST_F(SnapshotFsTest, ANewSnapshotAppearsWhenTheLayoutIsListedAgain) {
  MustBackup();
  auto fs = Fs();
  auto slow = Fs(std::chrono::hours(1));
  basin::testing::Write(src_ + "/one-byte", "y");
  const Snapshot second = MustBackup();
  ASSERT_EQ(Names(*fs, "/snapshots").size(), 3u);  // two and latest
  // (named "...Z-1" when both backups ran within one second)
  EXPECT_TRUE(
      fs->ReadLink("/snapshots/latest")->starts_with(MountLayout::TimeName(second.time_ns)));
  std::string byte(1, '\0');
  ASSERT_OK_AND_ASSIGN(auto file, fs->Open(Latest(*fs, "/one-byte")));
  ASSERT_OK(file->Read(0, 1, byte.data()));
  EXPECT_EQ(byte, "y");
  EXPECT_EQ(fs->refreshes(), 1u);
  // At most one journal read per refresh interval.
  EXPECT_EQ(Names(*slow, "/snapshots").size(), 2u);
  EXPECT_EQ(slow->refreshes(), 0u);
}

TEST_F(SnapshotFsTest, ADamagedChunkReadsAsCorruptionNotACrash) {
  MustBackup();
  auto fs = Fs();
  // Every data stratum gets a changed byte every 4 KiB: every chunk is damaged.
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(dir_.path() + "/basin/strata/data")) {
    if (!e.is_regular_file()) continue;
    std::string bytes = Slurp(e.path());
    for (size_t i = 64; i < bytes.size(); i += 4096) bytes[i] ^= 0x55;
    basin::testing::Write(e.path(), bytes);
  }
  ASSERT_OK_AND_ASSIGN(auto file, fs->Open(Latest(*fs, "/dir/random")));
  std::string buf(4096, '\0');
  auto r = file->Read(1 << 20, buf.size(), buf.data());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  // The trees are in metadata strata: the rest of the file system still works.
  EXPECT_OK(fs->Stat(Latest(*fs, "/dir/text")));
}

}  // namespace
}  // namespace basin::mount
