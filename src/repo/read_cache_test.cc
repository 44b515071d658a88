#include "repo/read_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "test_util.h"

namespace basin::repo {
namespace {

using basin::testing::RandomBytes;

// An object in memory whose reads are counted.
struct Source {
  std::string bytes;
  uint64_t fetches = 0, fetched = 0;
  StratumReadCache::Fetch fetch() {
    return [this](uint64_t offset, uint64_t length, std::string* out) {
      ++fetches;
      fetched += length;
      if (offset > bytes.size() || length > bytes.size() - offset) {
        return Status::InvalidArgument("range past the end");
      }
      out->assign(bytes, offset, length);
      return Status::OK();
    };
  }
};

TEST(StratumReadCacheTest, GrainsReadInOrderCostOneFetchPerWindow) {
  Source s{RandomBytes(10 << 20, 1)};
  StratumReadCache cache(32 << 20, 4 << 20);
  std::string out;
  for (uint64_t off = 0; off + 40000 <= s.bytes.size(); off += 40000) {
    ASSERT_OK(cache.Read("k", s.bytes.size(), off, 40000, s.fetch(), &out));
    ASSERT_EQ(out, s.bytes.substr(off, 40000)) << off;
  }
  EXPECT_EQ(s.fetches, 3u);  // 10 MiB in windows of 4 MiB
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_GT(cache.hits(), 200u);
}

TEST(StratumReadCacheTest, TheLastWindowIsClippedToTheObjectsEnd) {
  Source s{RandomBytes(5000, 2)};
  StratumReadCache cache(1 << 20, 1 << 20);
  std::string out;
  ASSERT_OK(cache.Read("k", 5000, 100, 50, s.fetch(), &out));
  EXPECT_EQ(out, s.bytes.substr(100, 50));
  EXPECT_EQ(s.fetched, 4900u);
  ASSERT_OK(cache.Read("k", 5000, 4900, 100, s.fetch(), &out));
  EXPECT_EQ(out, s.bytes.substr(4900, 100));
  EXPECT_EQ(s.fetches, 1u);
}

TEST(StratumReadCacheTest, LargeRangesAndUnknownSizesAreFetchedAlone) {
  Source s{RandomBytes(1 << 20, 3)};
  StratumReadCache cache(8 << 20, 256 << 10);
  std::string out;
  ASSERT_OK(cache.Read("k", s.bytes.size(), 0, 200 << 10, s.fetch(), &out));  // > half
  ASSERT_OK(cache.Read("k", 0, 0, 1000, s.fetch(), &out));                    // size unknown
  EXPECT_EQ(s.fetched, (200u << 10) + 1000u);
  ASSERT_OK(cache.Read("k", 0, 0, 1000, s.fetch(), &out));
  EXPECT_EQ(s.fetches, 3u);  // nothing was kept
}

TEST(StratumReadCacheTest, ALargeRangeInsideACachedWindowIsNotFetchedAgain) {
  Source s{RandomBytes(1 << 20, 9)};
  StratumReadCache cache(8 << 20, 256 << 10);
  std::string out;
  ASSERT_OK(cache.Read("k", s.bytes.size(), 0, 100, s.fetch(), &out));  // keeps [0, 256K)
  ASSERT_OK(cache.Read("k", s.bytes.size(), 1000, 200 << 10, s.fetch(), &out));
  EXPECT_EQ(out, s.bytes.substr(1000, 200 << 10));
  EXPECT_EQ(s.fetches, 1u);
}

TEST(StratumReadCacheTest, MissesInsideAWindowBeingFetchedWaitForItInsteadOfFetchingAgain) {
  // Reader 0 starts fetching the window [0, 1 MiB) and takes 300 ms; readers 1-3 ask for
  // ranges inside it meanwhile. They join that fetch (or, arriving late, find the window
  // kept): the window is fetched once.
  Source s{RandomBytes(4 << 20, 10)};
  StratumReadCache cache(32 << 20, 1 << 20);
  std::mutex mu;
  std::atomic<bool> fetching{false};
  auto slow = [&](uint64_t o, uint64_t l, std::string* dst) {
    fetching = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::lock_guard lock(mu);
    return s.fetch()(o, l, dst);
  };
  std::atomic<int> wrong{0};
  auto read = [&](uint64_t off) {
    std::string out;
    if (!cache.Read("k", s.bytes.size(), off, 4000, slow, &out).ok() ||
        out != s.bytes.substr(off, 4000)) {
      ++wrong;
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(read, 0);
  while (!fetching) std::this_thread::yield();
  for (uint64_t off : {10'000u, 500'000u, 1'000'000u}) threads.emplace_back(read, off);
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(s.fetches, 1u);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 3u);
}

TEST(StratumReadCacheTest, WhenAJoinedFetchFailsEachRangeGetsItsOwnAnswer) {
  // The index says 9000 bytes but the object has 3000: the window fetch fails, and a reader
  // that waited for it fetches its own range (which exists).
  Source s{RandomBytes(3000, 11)};
  StratumReadCache cache(1 << 20, 1 << 20);
  std::mutex mu;
  std::atomic<bool> fetching{false};
  auto slow = [&](uint64_t o, uint64_t l, std::string* dst) {
    if (!fetching.exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::lock_guard lock(mu);
    return s.fetch()(o, l, dst);
  };
  std::string a, b;
  Status sa, sb;
  std::thread first([&] { sa = cache.Read("k", 9000, 0, 100, slow, &a); });
  while (!fetching) std::this_thread::yield();
  std::thread second([&] { sb = cache.Read("k", 9000, 2000, 100, slow, &b); });
  first.join();
  second.join();
  ASSERT_OK(sa);
  ASSERT_OK(sb);
  EXPECT_EQ(a, s.bytes.substr(0, 100));
  EXPECT_EQ(b, s.bytes.substr(2000, 100));
}

TEST(StratumReadCacheTest, LeastRecentlyUsedWindowsAreDroppedToStayWithinCapacity) {
  Source a{RandomBytes(1 << 20, 4)}, b{RandomBytes(1 << 20, 5)}, c{RandomBytes(1 << 20, 6)};
  StratumReadCache cache(2 << 20, 1 << 20);  // two windows
  std::string out;
  ASSERT_OK(cache.Read("a", 1 << 20, 0, 10, a.fetch(), &out));
  ASSERT_OK(cache.Read("b", 1 << 20, 0, 10, b.fetch(), &out));
  ASSERT_OK(cache.Read("a", 1 << 20, 10, 10, a.fetch(), &out));  // a is now the newest
  ASSERT_OK(cache.Read("c", 1 << 20, 0, 10, c.fetch(), &out));   // drops b
  ASSERT_OK(cache.Read("a", 1 << 20, 20, 10, a.fetch(), &out));
  EXPECT_EQ(a.fetches, 1u);
  ASSERT_OK(cache.Read("b", 1 << 20, 20, 10, b.fetch(), &out));
  EXPECT_EQ(b.fetches, 2u);
  EXPECT_EQ(out, b.bytes.substr(20, 10));
}

TEST(StratumReadCacheTest, AnObjectShorterThanItsSaidSizeGivesTheRangesOwnAnswer) {
  Source s{RandomBytes(3000, 7)};
  StratumReadCache cache(1 << 20, 1 << 20);
  std::string out;
  // The index says 9000 bytes: the window fails, the range itself is still readable.
  ASSERT_OK(cache.Read("k", 9000, 0, 100, s.fetch(), &out));
  EXPECT_EQ(out, s.bytes.substr(0, 100));
  // A range past the real end fails as the store says.
  EXPECT_TRUE(cache.Read("k", 9000, 5000, 100, s.fetch(), &out).IsInvalidArgument());
}

TEST(StratumReadCacheTest, ReadsFromManyThreadsAllGetTheirBytes) {
  // Windows of 64 KiB over a 2 MB stratum, half of it cached: four threads keep evicting
  // and refilling each other's windows.
  Source s{RandomBytes(2'000'000, 8)};
  std::mutex mu;
  StratumReadCache cache(1 << 20, 64 << 10);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string out;
      for (uint64_t i = 0; i < 2000; ++i) {
        const uint64_t off = ((i * 7919 + t * 104729) % 1999) * 1000;
        auto fetch = [&](uint64_t o, uint64_t l, std::string* dst) {
          std::lock_guard lock(mu);
          return s.fetch()(o, l, dst);
        };
        if (!cache.Read("k", s.bytes.size(), off, 1000, fetch, &out).ok() ||
            out != s.bytes.substr(off, 1000)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace basin::repo
