// The local cache (src/store/cache_store.h; docs/format/repository.md, "Local cache") over
// a counting store: what it serves without a request, what damage it refetches, its modes,
// and what a delete elsewhere does to it. The S3 cases are in src/snapshot/cache_s3_test.cc.
#include "store/cache_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "basin/counting_store.h"
#include "basin/file_store.h"
#include "basin/memory_store.h"
#include "store/cache_file.h"
#include "test_util.h"

namespace basin {
namespace {

using testing::RandomBytes;
using testing::TempDir;

constexpr char kName[] = "0123456789abcdef0123456789abcdef";

class CacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // A new CacheStore (another process, as far as the cache can tell) over the same store.
  void Reopen() {
    CacheStoreOptions o;
    o.root = root();
    o.name = kName;
    o.prefixes = {"index/", "strata/meta/"};
    auto c = CacheStore::Open(counting_, o);
    ASSERT_OK(c);
    cache_ = *c;
  }
  std::string root() const { return dir_.path() + "/cache"; }
  std::string FileOf(const std::string& key) const { return root() + "/" + kName + "/" + key; }
  uint64_t Gets() const { return counting_->counts()[StoreOp::kGet].requests; }

  TempDir dir_;
  std::shared_ptr<ObjectStore> base_ = NewMemoryStore();
  std::shared_ptr<CountingStore> counting_ = std::make_shared<CountingStore>(base_);
  std::shared_ptr<CacheStore> cache_;
};

const std::string kKey = "strata/meta/ab/ab000000000000000000000000000000";

TEST_F(CacheStoreTest, ACachedObjectIsReadWithoutARequestAndOtherKeysPassThrough) {
  const std::string data = RandomBytes(100000, 1);
  ASSERT_OK(base_->Put(kKey, data));
  ASSERT_OK(base_->Put("journal/0000000000000001", "j"));
  ASSERT_EQ(*cache_->Get(kKey, ByteRange::Span(10, 20)), data.substr(10, 20));
  EXPECT_EQ(Gets(), 1u);  // the fill: the whole object
  Reopen();
  EXPECT_EQ(*cache_->Get(kKey, ByteRange::Suffix(7)), data.substr(data.size() - 7));
  EXPECT_EQ(*cache_->Get(kKey), data);
  EXPECT_EQ(*cache_->Get(kKey, ByteRange::Span(99990, 10)), data.substr(99990));
  EXPECT_TRUE(cache_->Get(kKey, ByteRange::Span(99990, 11)).status().IsInvalidArgument());
  EXPECT_EQ(Gets(), 1u);
  ASSERT_OK_AND_ASSIGN(auto reader, cache_->OpenReadable(kKey));
  EXPECT_EQ(reader->Mapped(), data);
  EXPECT_EQ(*cache_->Get("journal/0000000000000001"), "j");
  EXPECT_EQ(*cache_->Get("journal/0000000000000001"), "j");
  EXPECT_EQ(Gets(), 3u);  // not cached: each read is a request
  EXPECT_FALSE(std::filesystem::exists(FileOf("journal/0000000000000001")));
}

TEST_F(CacheStoreTest, PutsAndClosedWritersAreCachedAbortedWritersLeaveNothing) {
  ASSERT_OK(cache_->Put(kKey, "put"));
  {
    ASSERT_OK_AND_ASSIGN(auto w, cache_->NewWriter("index/cd/written"));
    ASSERT_OK(w->Append("writ"));
    ASSERT_OK(w->Append("ten"));
    ASSERT_OK(w->Close());
    ASSERT_OK_AND_ASSIGN(auto aborted, cache_->NewWriter("index/cd/aborted"));
    ASSERT_OK(aborted->Append("gone"));
    aborted->Abort();
  }
  Reopen();
  EXPECT_EQ(*cache_->Get(kKey), "put");
  EXPECT_EQ(*cache_->Get("index/cd/written"), "written");
  EXPECT_EQ(Gets(), 0u);
  EXPECT_FALSE(std::filesystem::exists(FileOf("index/cd/aborted")));
  for (const auto& e : std::filesystem::directory_iterator(root() + "/" + kName + "/index/cd")) {
    EXPECT_EQ(e.path().filename(), "written");  // no temporary file left
  }
}

void FlipByte(const std::string& path, uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x10));
}

TEST_F(CacheStoreTest, ADamagedCacheFileIsFetchedAgainNeverServed) {
  const std::string data = RandomBytes(50000, 2);
  ASSERT_OK(cache_->Put(kKey, data));
  const std::string file = FileOf(kKey);
  const uint64_t size = std::filesystem::file_size(file);
  for (int damage = 0; damage < 4; ++damage) {
    if (damage == 0) FlipByte(file, 1234);                          // content
    if (damage == 1) FlipByte(file, size - 12);                     // check
    if (damage == 2) std::filesystem::resize_file(file, size - 1);  // torn
    if (damage == 3) std::filesystem::resize_file(file, 0);
    Reopen();
    const uint64_t before = Gets();
    ASSERT_OK_AND_ASSIGN(std::string got, cache_->Get(kKey, ByteRange::Span(1000, 1000)));
    EXPECT_EQ(got, data.substr(1000, 1000)) << damage;
    EXPECT_EQ(Gets(), before + 1) << damage;
    EXPECT_EQ(cache_->stats().damaged, 1u) << damage;
    EXPECT_EQ(std::filesystem::file_size(file), size) << damage;  // written again, whole
  }
  // A file moved to another key's name is damage too: the check is seeded with the key.
  const std::string other = "strata/meta/ab/ab111111111111111111111111111111";
  ASSERT_OK(base_->Put(other, "the other object"));
  std::filesystem::copy_file(file, FileOf(other));
  Reopen();
  EXPECT_EQ(*cache_->Get(other), "the other object");
  EXPECT_EQ(cache_->stats().damaged, 1u);
}

TEST_F(CacheStoreTest, DirectoriesAre0700FilesAre0600AndTheRootIsTagged) {
  ASSERT_OK(cache_->Put(kKey, "x"));
  auto mode = [](const std::string& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  };
  EXPECT_EQ(mode(root()), 0700u);
  EXPECT_EQ(mode(root() + "/" + kName), 0700u);
  EXPECT_EQ(mode(root() + "/" + kName + "/strata/meta/ab"), 0700u);
  EXPECT_EQ(mode(FileOf(kKey)), 0600u);
  EXPECT_EQ(mode(root() + "/CACHEDIR.TAG"), 0600u);
  std::ifstream tag(root() + "/CACHEDIR.TAG");
  std::string line;
  std::getline(tag, line);
  EXPECT_EQ(line, "Signature: 8a477f597d28d172789f06886806bc55");
}

TEST_F(CacheStoreTest, ADeleteThroughTheCacheDropsTheCopy) {
  ASSERT_OK(cache_->Put(kKey, "x"));
  ASSERT_OK(cache_->Put("index/00/t", "y"));
  ASSERT_OK(cache_->Delete(kKey));
  ASSERT_OK(cache_->DeleteMany({"index/00/t"}));
  EXPECT_FALSE(std::filesystem::exists(FileOf(kKey)));
  EXPECT_FALSE(std::filesystem::exists(FileOf("index/00/t")));
  EXPECT_TRUE(cache_->Get(kKey).status().IsNotFound());
}

TEST_F(CacheStoreTest, AnObjectDeletedElsewhereIsNotResurrectedAfterAListingShowsItGone) {
  const std::string kept = "strata/meta/ab/ab222222222222222222222222222222";
  ASSERT_OK(cache_->Put(kKey, "deleted elsewhere"));
  ASSERT_OK(cache_->Put(kept, "kept"));
  ASSERT_OK(base_->Delete(kKey));  // another machine's prune
  // Existence is the store's answer, whatever the cache holds.
  EXPECT_TRUE(cache_->Stat(kKey).status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(auto listed, cache_->ListAll("strata/"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, kept);
  EXPECT_FALSE(std::filesystem::exists(FileOf(kKey)));  // the listing dropped the copy
  EXPECT_TRUE(cache_->Get(kKey).status().IsNotFound());
  EXPECT_EQ(*cache_->Get(kept), "kept");
}

TEST_F(CacheStoreTest, APagedListingDropsOnlyWhatItsPagesSpan) {
  std::vector<std::string> keys;
  for (int i = 0; i < 6; ++i) {
    keys.push_back(fmt::format("index/{:02x}/t{}", i * 40, i));
    ASSERT_OK(cache_->Put(keys.back(), "t"));
  }
  ASSERT_OK(base_->Delete(keys[1]));
  ASSERT_OK(base_->Delete(keys[4]));
  ListOptions o;
  o.prefix = "index/";
  o.max_keys = 2;
  ASSERT_OK_AND_ASSIGN(ListPage first, cache_->List(o));  // keys 0 and 2: spans 0..2
  ASSERT_TRUE(first.truncated);
  EXPECT_FALSE(std::filesystem::exists(FileOf(keys[1])));
  EXPECT_TRUE(std::filesystem::exists(FileOf(keys[4])));  // beyond the page
  o.start_after = first.objects.back().key;
  ASSERT_OK_AND_ASSIGN(ListPage second, cache_->List(o));  // keys 3 and 5
  EXPECT_FALSE(std::filesystem::exists(FileOf(keys[4])));
  for (int i : {0, 2, 3, 5}) EXPECT_TRUE(std::filesystem::exists(FileOf(keys[i]))) << i;
}

TEST_F(CacheStoreTest, FilesNotUsedForAMonthAndOldTemporaryFilesAreExpired) {
  ASSERT_OK(cache_->Put(kKey, "old"));
  ASSERT_OK(cache_->Put("index/00/t", "recent"));
  const std::string temp = root() + "/" + kName + "/index/00/.basin-tmp-0001";
  std::ofstream(temp) << "killed";
  const std::string other_basin = root() + "/ffffffffffffffffffffffffffffffff";
  std::filesystem::create_directories(other_basin);
  const auto long_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 31);
  std::filesystem::last_write_time(FileOf(kKey), long_ago);
  std::filesystem::last_write_time(temp, long_ago);
  std::filesystem::last_write_time(other_basin, long_ago);
  std::filesystem::remove(root() + "/" + kName + "/.basin-expired");  // due
  Reopen();
  EXPECT_FALSE(std::filesystem::exists(FileOf(kKey)));
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_FALSE(std::filesystem::exists(other_basin));
  EXPECT_TRUE(std::filesystem::exists(FileOf("index/00/t")));
}

// Two processes filling and reading the same keys of one cache directory at once, over one
// store (a local directory both see): each reads the right bytes, and every file left is
// sound.
TEST_F(CacheStoreTest, TwoProcessesShareOneCacheDirectory) {
  ASSERT_OK_AND_ASSIGN(auto shared, OpenFileStore(dir_.path() + "/store"));
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    keys.push_back(fmt::format("strata/meta/{:02x}/s{}", i % 4, i));
    ASSERT_OK(shared->Put(keys.back(), RandomBytes(20000 + i, i)));
  }
  auto child = [&](int seed) -> int {
    CacheStoreOptions o{root(), kName, {"strata/meta/"}};
    auto c = CacheStore::Open(shared, o);
    if (!c.ok()) return 2;
    for (int round = 0; round < 20; ++round) {
      for (int j = 0; j < 40; ++j) {
        const int i = (j * 7 + seed + round) % 40;
        auto got = (*c)->Get(keys[i], ByteRange::Span(100, 50));
        if (!got.ok() || *got != RandomBytes(20000 + i, i).substr(100, 50)) return 1;
        if ((j + seed) % 13 == 0) (*c)->Evict(keys[i]);  // races a fill of the other
      }
    }
    return 0;
  };
  std::vector<pid_t> pids;
  for (int seed = 0; seed < 2; ++seed) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(child(seed));
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  for (const std::string& key : keys) {
    std::ifstream f(FileOf(key), std::ios::binary);
    if (!f) continue;  // evicted last
    const std::string bytes((std::istreambuf_iterator<char>(f)), {});
    uint64_t length = 0;
    EXPECT_TRUE(cache_file::Verify(key, bytes, &length)) << key;
  }
}

}  // namespace
}  // namespace basin
