// Tests of the store wrappers: retry, counting, fault injection; and the conformance suite
// through a stack of them.
#include <gtest/gtest.h>

#include "basin/counting_store.h"
#include "basin/fault_injecting_store.h"
#include "basin/memory_store.h"
#include "basin/retrying_store.h"
#include "store/store_conformance.h"

namespace basin {
namespace {

RetryPolicy NoSleep(int attempts = 6) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.sleep = [](std::chrono::milliseconds) {};
  return p;
}

// Retry over counting over memory: wrappers must pass the whole suite unchanged.
INSTANTIATE_TEST_SUITE_P(
    Wrapped, StoreConformanceTest,
    ::testing::Values(StoreFactory{"RetryingCountingMemory",
                                   [] {
                                     return std::make_shared<RetryingStore>(
                                         std::make_shared<CountingStore>(NewMemoryStore()),
                                         NoSleep());
                                   }},
                      StoreFactory{
                          "NoFaultsPlanned",
                          [] { return std::make_shared<FaultInjectingStore>(NewMemoryStore()); }}),
    StoreFactoryName);

TEST(FaultInjectingStoreTest, FailsExactlyTheNthMatchingCall) {
  auto mem = NewMemoryStore();
  FaultPlan plan;
  plan.ops = OpBit(StoreOp::kGet);
  plan.fail_nth = 3;
  FaultInjectingStore store(mem, plan);
  ASSERT_TRUE(store.Put("k", "v").ok());  // not a get: not counted
  EXPECT_TRUE(store.Get("k").ok());
  EXPECT_TRUE(store.Get("k").ok());
  Status third = store.Get("k").status();
  EXPECT_TRUE(third.IsIOError() && third.retryable()) << third.ToString();
  EXPECT_TRUE(store.Get("k").ok());
  EXPECT_EQ(store.faults_injected(), 1u);
  EXPECT_EQ(store.matching_calls(), 4u);
}

TEST(FaultInjectingStoreTest, ProbabilityIsRepeatableForASeed) {
  auto run = [](uint64_t seed) {
    FaultPlan plan;
    plan.probability = 0.3;
    plan.seed = seed;
    FaultInjectingStore store(NewMemoryStore(), plan);
    std::string pattern;
    for (int i = 0; i < 200; ++i) pattern += store.Put("k", "v").ok() ? '.' : 'x';
    return pattern;
  };
  const std::string a = run(7);
  EXPECT_EQ(a, run(7));
  EXPECT_NE(a, run(8));
  const auto faults = std::count(a.begin(), a.end(), 'x');
  EXPECT_GT(faults, 30);
  EXPECT_LT(faults, 90);
}

TEST(FaultInjectingStoreTest, ErrorFaultAppliesNothing) {
  auto mem = NewMemoryStore();
  FaultInjectingStore store(mem, {.fail_nth = 1, .kind = FaultKind::kError});
  EXPECT_FALSE(store.Put("k", "v").ok());
  EXPECT_TRUE(mem->Head("k").status().IsNotFound());
}

TEST(FaultInjectingStoreTest, LostResponseAppliesThenFails) {
  auto mem = NewMemoryStore();
  FaultInjectingStore store(mem, {.fail_nth = 1, .kind = FaultKind::kLostResponse});
  EXPECT_FALSE(store.Put("k", "value").ok());
  EXPECT_EQ(*mem->Get("k"), "value");
}

TEST(FaultInjectingStoreTest, ShortWriteStoresAPrefixAndFails) {
  auto mem = NewMemoryStore();
  FaultInjectingStore store(mem, {.fail_nth = 1, .kind = FaultKind::kShortWrite});
  EXPECT_FALSE(store.Put("k", "12345678").ok());
  EXPECT_EQ(*mem->Get("k"), "1234");
}

TEST(FaultInjectingStoreTest, WriterCallsCountAndFail) {
  auto mem = NewMemoryStore();
  // NewWriter is call 1, the first Append call 2, the second Append call 3.
  FaultInjectingStore store(mem, {.ops = OpBit(StoreOp::kWrite),
                                  .fail_nth = 3,
                                  .kind = FaultKind::kShortWrite,
                                  .retryable = false});
  auto w = store.NewWriter("k", PutMode::kOverwrite);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("aaaa").ok());
  Status s = (*w)->Append("bbbb");
  EXPECT_TRUE(s.IsIOError() && !s.retryable());
  EXPECT_FALSE((*w)->Close().ok());  // sticky
  EXPECT_TRUE(mem->Head("k").status().IsNotFound());
}

TEST(RetryingStoreTest, RetriesTransientFailuresUntilSuccess) {
  auto faulty = std::make_shared<FaultInjectingStore>(
      NewMemoryStore(), FaultPlan{.fail_nth = 1, .kind = FaultKind::kError});
  RetryingStore store(faulty, NoSleep());
  ASSERT_TRUE(store.Put("k", "v").ok());
  EXPECT_EQ(store.retries(), 1u);
  EXPECT_EQ(*store.Get("k"), "v");
}

TEST(RetryingStoreTest, GivesUpAfterMaxAttempts) {
  auto faulty =
      std::make_shared<FaultInjectingStore>(NewMemoryStore(), FaultPlan{.probability = 1.0});
  RetryingStore store(faulty, NoSleep(4));
  Status s = store.Put("k", "v");
  EXPECT_TRUE(s.IsIOError() && s.retryable());
  EXPECT_EQ(faulty->matching_calls(), 4u);
  EXPECT_EQ(store.retries(), 3u);
}

TEST(RetryingStoreTest, DoesNotRetryPermanentFailures) {
  auto faulty = std::make_shared<FaultInjectingStore>(
      NewMemoryStore(), FaultPlan{.probability = 1.0, .retryable = false});
  RetryingStore store(faulty, NoSleep());
  EXPECT_FALSE(store.Put("k", "v").ok());
  EXPECT_EQ(faulty->matching_calls(), 1u);
  RetryingStore plain(NewMemoryStore(), NoSleep());
  EXPECT_TRUE(plain.Get("absent").status().IsNotFound());
  EXPECT_EQ(plain.retries(), 0u);
}

TEST(RetryingStoreTest, BacksOffExponentiallyWithJitterUnderTheCap) {
  std::vector<std::chrono::milliseconds> waits;
  RetryPolicy p;
  p.max_attempts = 8;
  p.initial_backoff = std::chrono::milliseconds(10);
  p.max_backoff = std::chrono::milliseconds(200);
  p.sleep = [&](std::chrono::milliseconds d) { waits.push_back(d); };
  auto faulty =
      std::make_shared<FaultInjectingStore>(NewMemoryStore(), FaultPlan{.probability = 1.0});
  RetryingStore store(faulty, p);
  EXPECT_FALSE(store.Head("k").ok());
  ASSERT_EQ(waits.size(), 7u);
  for (size_t i = 0; i < waits.size(); ++i) {
    EXPECT_GE(waits[i].count(), 0);
    EXPECT_LE(waits[i].count(), std::min<int64_t>(200, int64_t{10} << i)) << "retry " << i;
  }
}

TEST(RetryingStoreTest, LostCreateOnlyResponseIsNotAFalseConflict) {
  auto mem = NewMemoryStore();
  auto faulty = std::make_shared<FaultInjectingStore>(
      mem, FaultPlan{.ops = OpBit(StoreOp::kPut), .fail_nth = 1, .kind = FaultKind::kLostResponse});
  RetryingStore store(faulty, NoSleep());
  // The first attempt creates the object but its answer is lost; the retry finds it.
  Status s = store.Put("k", "mine", PutMode::kCreateOnly);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*mem->Get("k"), "mine");
}

TEST(RetryingStoreTest, RealConflictAfterARetryIsStillReported) {
  auto mem = NewMemoryStore();
  ASSERT_TRUE(mem->Put("k", "theirs").ok());
  auto faulty = std::make_shared<FaultInjectingStore>(
      mem, FaultPlan{.ops = OpBit(StoreOp::kPut), .fail_nth = 1, .kind = FaultKind::kError});
  RetryingStore store(faulty, NoSleep());
  EXPECT_TRUE(store.Put("k", "mine", PutMode::kCreateOnly).IsAlreadyExists());
  EXPECT_EQ(*mem->Get("k"), "theirs");
}

TEST(CountingStoreTest, CountsRequestsBytesAndErrorsPerKind) {
  CountingStore store(NewMemoryStore());
  ASSERT_TRUE(store.Put("a", "12345").ok());
  ASSERT_TRUE(store.Put("b", "678").ok());
  ASSERT_TRUE(store.Get("a", ByteRange::Span(1, 2)).ok());
  EXPECT_FALSE(store.Get("missing").ok());
  ASSERT_TRUE(store.Head("a").ok());
  ASSERT_TRUE(store.ListAll("").ok());
  ASSERT_TRUE(store.Delete("b").ok());
  {
    auto w = store.NewWriter("c", PutMode::kOverwrite);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("xyz").ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  const StoreCounts c = store.counts();
  EXPECT_EQ(c[StoreOp::kPut].requests, 2u);
  EXPECT_EQ(c[StoreOp::kPut].bytes_sent, 8u);
  EXPECT_EQ(c[StoreOp::kGet].requests, 2u);
  EXPECT_EQ(c[StoreOp::kGet].errors, 1u);
  EXPECT_EQ(c[StoreOp::kGet].bytes_received, 2u);
  EXPECT_EQ(c[StoreOp::kHead].requests, 1u);
  EXPECT_EQ(c[StoreOp::kList].requests, 1u);
  EXPECT_EQ(c[StoreOp::kDelete].requests, 1u);
  EXPECT_EQ(c[StoreOp::kWrite].requests, 1u);
  EXPECT_EQ(c[StoreOp::kWrite].bytes_sent, 3u);
  EXPECT_EQ(c.total_requests(), 8u);
  EXPECT_NE(c.ToString().find("get: 2 requests, 1 errors"), std::string::npos) << c.ToString();
  store.Reset();
  EXPECT_EQ(store.counts().total_requests(), 0u);
}

TEST(CountingStoreTest, RetriesBelowTheCounterAreEachCounted) {
  auto counting = std::make_shared<CountingStore>(
      std::make_shared<FaultInjectingStore>(NewMemoryStore(), FaultPlan{.fail_nth = 1}));
  RetryingStore store(counting, NoSleep());
  ASSERT_TRUE(store.Put("k", "v").ok());
  EXPECT_EQ(counting->counts()[StoreOp::kPut].requests, 2u);
  EXPECT_EQ(counting->counts()[StoreOp::kPut].errors, 1u);
}

}  // namespace
}  // namespace basin
