// The local cache of a basin on S3 (radosgw, started by bb test): what it saves on an
// unchanged backup, damage found after it was checked, and prune elsewhere
// (docs/format/repository.md, "Local cache").
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "basin/backup.h"
#include "basin/counting_store.h"
#include "basin/maintenance.h"
#include "basin/snapshot.h"
#include "cli_test_util.h"
#include "s3_test_store.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::TempDir;

// Writes a file, making its directory.
void WriteFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

class CacheS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    s3_ = basin::testing::NewS3TestStore();
    ASSERT_NE(s3_, nullptr) << "no S3 server: run through bb test";
    counting_ = std::make_shared<CountingStore>(s3_);
    BasinOptions o = Options(true);
    InitOptions init;
    init.password = "pw";
    init.kdf = {1, 8 << 10};
    init.settings.chunker = {16 << 10, 64 << 10, 256 << 10};
    ASSERT_OK(Basin::Init(o, init));
    src_ = dir_.path() + "/src";
    for (int d = 0; d < 20; ++d) {
      for (int f = 0; f < 15; ++f) {
        WriteFile(fmt::format("{}/d{}/f{}", src_, d, f), RandomBytes(2000 + f, d * 100 + f));
      }
    }
  }

  BasinOptions Options(bool cached) const {
    BasinOptions o;
    o.store = counting_;
    if (cached) o.cache_dir = cache_dir();
    return o;
  }
  std::unique_ptr<Basin> Reopen(bool cached) {
    auto b = Basin::Open(Options(cached), "pw");
    EXPECT_OK(b);
    counting_->Reset();
    return b.ok() ? std::move(b).value() : nullptr;
  }
  std::string cache_dir() const { return dir_.path() + "/cache"; }
  // The keys of every cache file.
  std::vector<std::string> CachedKeys() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(cache_dir())) {
      const std::string rel = std::filesystem::relative(e.path(), cache_dir()).string();
      const size_t slash = rel.find('/');
      if (e.is_regular_file() && slash != std::string::npos &&
          !e.path().filename().string().starts_with(".basin-")) {
        out.push_back(rel.substr(slash + 1));
      }
    }
    return out;
  }
  Snapshot MustBackup(Basin& b) {
    BackupOptions o;
    o.paths = {src_};
    auto r = Backup(b, o);
    EXPECT_OK(r);
    return r.ok() ? r->snapshot : Snapshot{};
  }

  TempDir dir_;
  std::shared_ptr<ObjectStore> s3_;
  std::shared_ptr<CountingStore> counting_;
  std::string src_;
};

TEST_F(CacheS3Test, AnUnchangedBackupMakesFarFewerRequestsWithTheCache) {
  MustBackup(*Reopen(true));
  auto cached = Reopen(true);
  MustBackup(*cached);
  const StoreCounts with = counting_->counts();
  auto uncached = Reopen(false);
  MustBackup(*uncached);
  const StoreCounts without = counting_->counts();
  std::cout << "unchanged backup of 300 files on S3: " << with.total_requests()
            << " requests with the cache, " << without.total_requests() << " without\n"
            << "with:\n"
            << with.ToString() << "without:\n"
            << without.ToString();
  EXPECT_EQ(with[StoreOp::kGet].requests, 2u);  // checkpoint, the next journal record
  EXPECT_LE(with.total_requests(), 12u);
  // The cache saves reads; the commit's puts and lists are the same either way.
  EXPECT_LE(with[StoreOp::kGet].requests * 4, without[StoreOp::kGet].requests);
  EXPECT_LT(with.total_requests(), without.total_requests());
}

TEST_F(CacheS3Test, ReopeningAndReadingEveryTreeReadsNothingButTheJournal) {
  const Snapshot s = MustBackup(*Reopen(true));
  auto walk = [&](Basin& b) {
    uint64_t files = 0;
    ASSERT_OK(WalkTree(b, s.root, "", [&](const std::string&, const TreeEntry& e) {
      files += e.type == EntryType::kFile;
      return true;
    }));
    EXPECT_EQ(files, 300u);
  };
  walk(*Reopen(true));
  const uint64_t with = counting_->counts().total_requests();
  walk(*Reopen(false));
  const uint64_t without = counting_->counts().total_requests();
  std::cout << "reopen and walk every tree: " << with << " requests with the cache, " << without
            << " without\n";
  EXPECT_LE(with, 3u);  // counted after opening: runs have made none (every grain from the cache)
  EXPECT_LT(with, without);
}

// Damage that appears after the process checked the file: a grain fails, the basin drops
// the file and reads the store's object.
TEST_F(CacheS3Test, ACacheFileDamagedAfterItWasCheckedIsFetchedAgain) {
  const Snapshot s = MustBackup(*Reopen(true));
  auto b = Reopen(true);
  ASSERT_OK(ReadSnapshot(*b, s.id));  // checks the metadata stratum's cache file
  for (const std::string& key : CachedKeys()) {
    if (!key.starts_with("strata/meta/")) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(cache_dir())) {
      if (e.path().string().ends_with(key)) {
        std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
        for (std::streamoff at = 100; at < static_cast<std::streamoff>(e.file_size()) - 200;
             at += 97) {
          f.seekp(at);
          f.put('\x5a');
        }
      }
    }
  }
  const uint64_t before = counting_->counts()[StoreOp::kGet].requests;
  uint64_t files = 0;
  ASSERT_OK(WalkTree(*b, s.root, "", [&](const std::string&, const TreeEntry& e) {
    files += e.type == EntryType::kFile;
    return true;
  }));
  EXPECT_EQ(files, 300u);
  EXPECT_GT(counting_->counts()[StoreOp::kGet].requests, before);  // fetched again
}

TEST_F(CacheS3Test, StrataPrunedElsewhereAreNotResurrectedByTheirCachedCopies) {
  auto a = Reopen(true);
  const Snapshot first = MustBackup(*a);
  // A second snapshot of other files: the first one's strata hold nothing it needs.
  const std::string other_src = dir_.path() + "/other";
  for (int f = 0; f < 15; ++f) WriteFile(fmt::format("{}/f{}", other_src, f), RandomBytes(3000, f));
  BackupOptions o;
  o.paths = {other_src};
  ASSERT_OK(Backup(*a, o));
  a.reset();
  {
    // Another machine, without this cache, forgets the first snapshot and prunes.
    auto other = Reopen(false);
    auto w = *other->NewWriter();
    ASSERT_OK(w->RemoveSnapshot(first.id));
    ASSERT_OK(w->Commit());
    PruneOptions po;
    po.references = SnapshotReferences;
    po.max_unused = 0;
    ASSERT_OK_AND_ASSIGN(PruneReport pruned, Prune(*other, po));
    ASSERT_GT(pruned.strata_deleted, 0u);
  }
  auto listed = [&] {
    std::set<std::string> keys;
    for (const char* p : {"index/", "strata/meta/", "tails/"}) {
      auto objects = s3_->ListAll(p);
      EXPECT_OK(objects);
      if (objects.ok()) {
        for (const ObjectInfo& o : *objects) keys.insert(o.key);
      }
    }
    return keys;
  };
  std::set<std::string> stale;
  const std::set<std::string> present = listed();
  for (const std::string& k : CachedKeys()) {
    if (!present.contains(k)) stale.insert(k);
  }
  ASSERT_FALSE(stale.empty());  // copies of what the prune deleted
  a = Reopen(true);
  CheckOptions co;
  co.references = SnapshotReferences;
  ASSERT_OK_AND_ASSIGN(CheckReport r, CheckBasin(*a, co));
  for (const auto& p : r.problems) ADD_FAILURE() << p.object << ": " << p.message;
  EXPECT_TRUE(r.unreferenced.empty());
  // Check listed the prefixes: the copies of deleted objects are gone with them.
  for (const std::string& k : CachedKeys()) EXPECT_FALSE(stale.contains(k)) << k;
  ASSERT_OK_AND_ASSIGN(auto snapshots, ListSnapshots(*a));
  EXPECT_EQ(snapshots.size(), 1u);
}

}  // namespace
}  // namespace basin
