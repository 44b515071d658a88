#include "basin/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "util/parallel.h"
#include "util/task_group.h"

namespace basin {
namespace {

using std::chrono::milliseconds;

// Tracks how many callers are inside at once, and the most seen.
struct Concurrency {
  std::atomic<int> now{0}, most{0};
  void Enter() {
    const int n = ++now;
    int m = most.load();
    while (n > m && !most.compare_exchange_weak(m, n)) {
    }
  }
  void Leave() { --now; }
};

TEST(ExecutorTest, ThreadPoolRunsEveryTaskOnAtMostItsThreads) {
  std::atomic<int> ran{0};
  Concurrency c;
  std::mutex mu;
  std::set<std::thread::id> ids;
  {
    auto pool = NewThreadPool(3);
    EXPECT_EQ(pool->threads(), 3u);
    for (int i = 0; i < 200; ++i) {
      pool->Schedule([&] {
        c.Enter();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        {
          std::lock_guard lock(mu);
          ids.insert(std::this_thread::get_id());
        }
        c.Leave();
        ++ran;
      });
    }
  }  // the destructor waits for the queued tasks
  EXPECT_EQ(ran.load(), 200);
  EXPECT_LE(c.most.load(), 3);
  EXPECT_LE(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST(ExecutorTest, DefaultExecutorIsBoundedAndCannotBeReplacedOnceUsed) {
  Executor* e = DefaultExecutor();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->threads(), DefaultExecutorThreads());
  EXPECT_GE(e->threads(), 8u);
  EXPECT_LE(e->threads(), 64u);
  auto other = NewThreadPool(1);
  EXPECT_FALSE(SetDefaultExecutor(other.get()));
  EXPECT_EQ(DefaultExecutor(), e);
}

TEST(TaskGroupTest, RunsAtMostParallelismTasksEachOnItsOwnSlot) {
  auto pool = NewThreadPool(8);
  Concurrency c;
  std::mutex mu;
  std::set<size_t> busy_slots;
  bool slot_shared = false, slot_out_of_range = false;
  std::atomic<int> ran{0};
  TaskGroup g(3, 2, pool.get());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(g.Run([&](size_t slot) {
                   c.Enter();
                   {
                     std::lock_guard lock(mu);
                     if (slot >= 3) slot_out_of_range = true;
                     if (!busy_slots.insert(slot).second) slot_shared = true;
                   }
                   std::this_thread::sleep_for(std::chrono::microseconds(100));
                   {
                     std::lock_guard lock(mu);
                     busy_slots.erase(slot);
                   }
                   c.Leave();
                   ++ran;
                   return Status::OK();
                 }).ok());
  }
  ASSERT_TRUE(g.Wait().ok());
  EXPECT_EQ(ran.load(), 300);
  EXPECT_LE(c.most.load(), 3);
  EXPECT_GE(c.most.load(), 2);  // it did run in parallel
  EXPECT_FALSE(slot_shared);
  EXPECT_FALSE(slot_out_of_range);
}

TEST(TaskGroupTest, FirstErrorDropsQueuedTasksAndIsReturnedByRunAndWait) {
  auto pool = NewThreadPool(2);
  std::atomic<int> ran{0};
  TaskGroup g(1, 100, pool.get());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(g.Run([&](size_t) {
                 released.wait();
                 return Status::IOError("disk on fire");
               }).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(g.Run([&](size_t) {
                   ++ran;
                   return Status::OK();
                 }).ok());
  }
  release.set_value();
  Status s = g.Wait();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(ran.load(), 0);  // queued behind the failure, dropped
  EXPECT_TRUE(g.Run([](size_t) { return Status::OK(); }).IsIOError());
  EXPECT_TRUE(g.status().IsIOError());
}

// Every thread of the executor is blocked until the group finishes: the group must still
// finish, on the threads that wait in Run and Wait.
TEST(TaskGroupTest, FinishesWhenEveryExecutorThreadIsBlocked) {
  auto pool = NewThreadPool(1);
  std::promise<void> group_done;
  std::shared_future<void> done = group_done.get_future().share();
  pool->Schedule([done] { done.wait(); });
  std::atomic<int> ran{0};
  {
    TaskGroup g(2, 1, pool.get());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(g.Run([&](size_t) {
                     ++ran;
                     return Status::OK();
                   }).ok());
    }
    ASSERT_TRUE(g.Wait().ok());
  }
  EXPECT_EQ(ran.load(), 20);
  group_done.set_value();
}

// Tasks of one group wait for groups of their own, on a pool too small for all of them.
TEST(TaskGroupTest, NestedGroupsOnAOneThreadPoolDoNotDeadlock) {
  auto pool = NewThreadPool(1);
  std::atomic<int> inner_ran{0};
  TaskGroup outer(4, 4, pool.get());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(outer
                    .Run([&](size_t) {
                      TaskGroup inner(2, 2, pool.get());
                      for (int j = 0; j < 5; ++j) {
                        BASIN_RETURN_IF_ERROR(inner.Run([&](size_t) {
                          ++inner_ran;
                          return Status::OK();
                        }));
                      }
                      return inner.Wait();
                    })
                    .ok());
  }
  ASSERT_TRUE(outer.Wait().ok());
  EXPECT_EQ(inner_ran.load(), 40);
}

TEST(ParallelForTest, CallsEveryIndexAndReturnsTheFirstErrorByIndex) {
  std::vector<std::atomic<int>> calls(50);
  Status s = ParallelFor(50, 4, [&](size_t i) {
    ++calls[i];
    if (i == 30) return Status::Corruption("thirty");
    if (i == 7) return Status::IOError("seven");
    return Status::OK();
  });
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  EXPECT_TRUE(ParallelFor(0, 4, [](size_t) { return Status::IOError("never"); }).ok());
}

}  // namespace
}  // namespace basin
