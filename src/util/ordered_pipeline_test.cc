#include "util/ordered_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace basin {
namespace {

struct Item {
  int number = 0;
  int delay_us = 0;
  int squared = 0;
};

TEST(OrderedPipelineTest, SinksEveryItemInSubmissionOrder) {
  std::vector<int> sunk;
  std::atomic<int> concurrent_sinks{0};
  bool overlapped = false;
  OrderedPipeline<Item> p(
      4, 3,
      [](Item& it, size_t) {
        std::this_thread::sleep_for(std::chrono::microseconds(it.delay_us));
        it.squared = it.number * it.number;
        return Status::OK();
      },
      [&](Item& it) {
        if (++concurrent_sinks > 1) overlapped = true;
        sunk.push_back(it.squared);
        --concurrent_sinks;
        return Status::OK();
      });
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    // Random delays make later items finish first.
    ASSERT_TRUE(p.Submit(Item{i, static_cast<int>(rng() % 200), 0}).ok());
  }
  ASSERT_TRUE(p.Finish().ok());
  ASSERT_EQ(sunk.size(), 2000u);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(sunk[i], i * i) << i;
  EXPECT_FALSE(overlapped);
}

TEST(OrderedPipelineTest, WorkRunsOnSeveralThreadsAtOnce) {
  std::atomic<int> running{0}, most{0};
  std::vector<size_t> workers_seen(3, 0);
  std::mutex mu;
  OrderedPipeline<Item> p(
      3, 8,
      [&](Item&, size_t worker) {
        const int now = ++running;
        int m = most.load();
        while (now > m && !most.compare_exchange_weak(m, now)) {
        }
        {
          std::lock_guard lock(mu);
          ++workers_seen.at(worker);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --running;
        return Status::OK();
      },
      [](Item&) { return Status::OK(); });
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(p.Submit(Item{i, 0, 0}).ok());
  ASSERT_TRUE(p.Finish().ok());
  EXPECT_GE(most.load(), 2);
  EXPECT_LE(most.load(), 3);
  size_t busy_workers = 0;
  for (size_t n : workers_seen) busy_workers += n > 0 ? 1 : 0;
  EXPECT_GE(busy_workers, 2u);
}

TEST(OrderedPipelineTest, SubmitBlocksWhileTooManyItemsWait) {
  std::atomic<int> started{0};
  std::atomic<bool> release{false};
  OrderedPipeline<Item> p(
      1, 2,
      [&](Item&, size_t) {
        ++started;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return Status::OK();
      },
      [](Item&) { return Status::OK(); });
  ASSERT_TRUE(p.Submit(Item{0, 0, 0}).ok());  // taken by the one thread
  while (started == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(p.Submit(Item{1, 0, 0}).ok());  // waiting: 1
  ASSERT_TRUE(p.Submit(Item{2, 0, 0}).ok());  // waiting: 2
  std::atomic<bool> fourth_in{false};
  std::thread producer([&] {
    EXPECT_TRUE(p.Submit(Item{3, 0, 0}).ok());
    fourth_in = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fourth_in.load());
  release = true;
  producer.join();
  EXPECT_TRUE(fourth_in.load());
  EXPECT_TRUE(p.Finish().ok());
}

TEST(OrderedPipelineTest, TheFirstErrorStopsItAndIsReturned) {
  std::vector<int> sunk;
  OrderedPipeline<Item> p(
      2, 2,
      [](Item& it, size_t) {
        return it.number == 50 ? Status::Corruption("item 50 is bad") : Status::OK();
      },
      [&](Item& it) {
        sunk.push_back(it.number);
        return Status::OK();
      });
  Status s;
  for (int i = 0; i < 1000 && s.ok(); ++i) s = p.Submit(Item{i, 0, 0});
  Status f = p.Finish();
  EXPECT_TRUE(f.IsCorruption()) << f.ToString();
  EXPECT_NE(f.message().find("item 50"), std::string::npos);
  ASSERT_LE(sunk.size(), 50u);  // nothing at or after the bad item is sunk
  for (size_t i = 0; i < sunk.size(); ++i) EXPECT_EQ(sunk[i], static_cast<int>(i));
}

TEST(OrderedPipelineTest, ASinkErrorStopsItToo) {
  int sunk = 0;
  OrderedPipeline<Item> p(
      2, 2, [](Item&, size_t) { return Status::OK(); },
      [&](Item& it) {
        if (it.number == 10) return Status::IOError("disk full at item 10");
        ++sunk;
        return Status::OK();
      });
  for (int i = 0; i < 100; ++i) {
    if (!p.Submit(Item{i, 0, 0}).ok()) break;
  }
  EXPECT_TRUE(p.Finish().IsIOError());
  EXPECT_EQ(sunk, 10);
}

TEST(OrderedPipelineTest, DestroyingItUnfinishedDoesNotHang) {
  OrderedPipeline<Item> p(
      2, 4,
      [](Item&, size_t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return Status::OK();
      },
      [](Item&) { return Status::OK(); });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.Submit(Item{i, 0, 0}).ok());
}  // no Finish

}  // namespace
}  // namespace basin
