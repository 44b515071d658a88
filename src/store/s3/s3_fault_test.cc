// The S3 store through a proxy that breaks 5% of exchanges in every way it knows (500,
// 503 SlowDown, resets mid-answer, stalls past the timeout, truncated answers, answers
// dropped after the server applied the request), with retries: single puts and gets,
// streamed multipart writes from several pipelines at once (create-only ones too), and a
// compressed table build. Everything must come back byte-identical.
//
// The number of operations is BASIN_FAULT_OPS; CI runs a few (seconds). The full run,
//   BASIN_FAULT_OPS=1000 build/tests/s3_store_test --gtest_filter='S3FaultTest.*'
// with the test server running, 2026-12-07: puts and gets 2658 requests, 114 faults, 114
// retries; streamed writes 2811 requests, 151 faults, 151 retries; compressed tables (10)
// 607 requests, 27 faults, 27 retries; nothing lost (docs/BENCHMARKS.md, "S3 under faults").
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "basin/s3_store.h"
#include "basin/table.h"
#include "fault_proxy.h"
#include "s3_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::FaultProxy;
using basin::testing::RandomBytes;

// BASIN_FAULT_OPS, or `ci` when it is not set.
int FaultOps(int ci) {
  const std::string env = basin::testing::Env("BASIN_FAULT_OPS");
  int n = 0;
  const auto [p, ec] = std::from_chars(env.data(), env.data() + env.size(), n);
  return ec == std::errc() && p == env.data() + env.size() && n > 0 ? n : ci;
}

class S3FaultTest : public ::testing::Test {
 protected:
  // The store through a proxy that breaks `probability` of exchanges (seeded), with
  // `attempts` tries per request; and the store straight to the server.
  void Open(uint64_t seed, double probability = 0.05, int attempts = 12) {
    auto o = basin::testing::ServerOptions();
    ASSERT_TRUE(o.has_value()) << "no S3 server: run through scripts/test.sh or bb test";
    proxy_ = std::make_unique<FaultProxy>(basin::testing::ServerPort(*o), probability, seed,
                                          /*stall_ms=*/2500);
    store_ = basin::testing::ThroughProxy(*o, *proxy_, attempts, &retries_);
    direct_ = *OpenS3Store(*o);
    start_ = std::chrono::steady_clock::now();
  }

  // What the run cost: requests, faults of each kind, retries, time.
  void Report(const char* what) const {
    std::string kinds;
    for (int f = 1; f < FaultProxy::kFaultCount; ++f) {
      const auto fault = static_cast<FaultProxy::Fault>(f);
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", proxy_->faults(fault),
                           FaultProxy::FaultName(fault));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::printf("%s: %llu requests, %llu faults (%s), %llu retries, %.1f s\n", what,
                static_cast<unsigned long long>(proxy_->requests()),
                static_cast<unsigned long long>(proxy_->total_faults()), kinds.c_str(),
                static_cast<unsigned long long>(retries_.load()), secs);
  }

  std::unique_ptr<FaultProxy> proxy_;
  std::atomic<uint64_t> retries_{0};
  std::shared_ptr<RetryingStore> store_;
  std::shared_ptr<ObjectStore> direct_;
  std::chrono::steady_clock::time_point start_;
};

// Puts and gets: every object must come back byte-identical, and every create-only put
// must have exactly one winner, with no false conflict from a lost response.
TEST_F(S3FaultTest, PutsAndGetsUnderFivePercentFaultsLoseNothing) {
  ASSERT_NO_FATAL_FAILURE(Open(42));
  auto& store = store_;
  const int ops = FaultOps(60);
  std::mt19937_64 rng(7);
  for (int i = 0; i < ops; ++i) {
    // Mostly small objects, some large: 0 B to 40 MiB.
    const uint64_t size = i == 0            ? 40 << 20
                          : rng() % 10 == 0 ? rng() % (8 << 20)
                                            : rng() % (64 << 10);
    const std::string data = RandomBytes(size, i);
    const std::string key = "o/" + std::to_string(i);
    const PutMode mode = i % 2 ? PutMode::kCreateOnly : PutMode::kOverwrite;
    Status put = store->Put(key, data, mode);
    ASSERT_TRUE(put.ok()) << "put " << i << " (" << size << " bytes): " << put.ToString();
    if (mode == PutMode::kCreateOnly) {
      EXPECT_TRUE(store->Put(key, "other", PutMode::kCreateOnly).IsAlreadyExists()) << i;
    }
    auto got = store->Get(key);
    ASSERT_TRUE(got.ok()) << "get " << i << ": " << got.status().ToString();
    ASSERT_TRUE(*got == data) << "object " << i << " came back different";
  }
  EXPECT_GT(proxy_->total_faults(), 0u);
  EXPECT_GT(retries_, 0u);
  Report("puts and gets");
}

// Streamed writes from three pipelines at once: multipart objects of 2 to 4 parts,
// create-only streams up to 12 MiB, small streams; appended in odd-sized pieces.
TEST_F(S3FaultTest, StreamedWritesUnderFivePercentFaultsLoseNothing) {
  ASSERT_NO_FATAL_FAILURE(Open(43));
  auto& store = store_;
  const int ops = FaultOps(8);
  auto size_of = [](int i) -> uint64_t {
    std::mt19937_64 rng(i);
    switch (i % 4) {
      case 0:
        return (5 << 20) + rng() % (15 << 20);  // multipart, 2 to 4 parts of 5 MiB
      case 1:
        return rng() % (12 << 20);  // create-only, one PUT
      default:
        return rng() % (64 << 10);  // small: one PUT
    }
  };
  auto mode_of = [](int i) {
    return i % 4 == 1 || i % 8 == 2 ? PutMode::kCreateOnly : PutMode::kOverwrite;
  };
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> pipelines;
  for (int p = 0; p < 3; ++p) {
    pipelines.emplace_back([&] {
      for (int i = next++; i < ops; i = next++) {
        const std::string data = RandomBytes(size_of(i), i);
        Status s = basin::testing::StreamObject(*store, fmt::format("s/{}", i), data, mode_of(i),
                                                333333 + i);
        if (!s.ok()) {
          std::lock_guard lock(mu);
          failures.push_back(fmt::format("object {}: {}", i, s.ToString()));
        }
      }
    });
  }
  for (auto& t : pipelines) t.join();
  ASSERT_TRUE(failures.empty()) << failures.front();
  for (int i = 0; i < ops; ++i) {
    const std::string key = fmt::format("s/{}", i);
    auto got = direct_->Get(key);
    ASSERT_OK(got);
    ASSERT_TRUE(*got == RandomBytes(size_of(i), i)) << "object " << i << " came back different";
    if (mode_of(i) == PutMode::kCreateOnly) {
      Status again = basin::testing::StreamObject(*store, key, "other", PutMode::kCreateOnly);
      EXPECT_TRUE(again.IsAlreadyExists()) << i << ": " << again.ToString();
    }
  }
  EXPECT_GT(proxy_->total_faults(), 0u);  // the seed's draws hold faults for these requests
  Report("streamed writes");
}

// Forwards everything to `base`, and keeps a copy of what its writers are given.
class RecordingStore : public ObjectStore {
 public:
  explicit RecordingStore(std::shared_ptr<ObjectStore> base) : base_(std::move(base)) {}
  std::string url() const override { return base_->url(); }
  const std::string& written() const { return written_; }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    return base_->Put(key, data, mode);
  }
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override {
    return base_->Get(key, range, options, out, info);
  }
  Result<ObjectInfo> DoStat(std::string_view key) override { return base_->Stat(key); }
  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override {
    return base_->PutIfMatch(key, data, etag);
  }
  Result<ListPage> DoList(const ListOptions& options) override { return base_->List(options); }
  Status DoDelete(std::string_view key) override { return base_->Delete(key); }
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override {
    BASIN_ASSIGN_OR_RETURN(auto w, base_->NewWriter(key, mode));
    written_.clear();
    return std::unique_ptr<ObjectWriter>(std::make_unique<Writer>(std::move(w), &written_));
  }

 private:
  class Writer : public ObjectWriter {
   public:
    Writer(std::unique_ptr<ObjectWriter> base, std::string* copy)
        : base_(std::move(base)), copy_(copy) {}
    Status Append(std::string_view data) override {
      copy_->append(data);
      return base_->Append(data);
    }
    Status Close() override { return base_->Close(); }
    void Abort() override { base_->Abort(); }
    uint64_t bytes_appended() const override { return base_->bytes_appended(); }

   private:
    std::unique_ptr<ObjectWriter> base_;
    std::string* copy_;
  };

  std::shared_ptr<ObjectStore> base_;
  std::string written_;
};

// zstd-compressed tables built through the faulty proxy are stored byte for byte as the
// builder wrote them (several parts each), and read back through the proxy.
TEST_F(S3FaultTest, CompressedTableBuildsUnderFivePercentFaultsAreByteIdentical) {
  ASSERT_NO_FATAL_FAILURE(Open(44));
  auto& store = store_;
  TableOptions to;
  to.compression.type = CompressionType::kZstd;
  const int tables = std::max(1, FaultOps(100) / 100);
  constexpr int kRows = 50'000;  // about 12 MiB of rows, 7 MiB compressed: 2 parts
  auto value_of = [](int t, int i) {
    return fmt::format("{:08d}{}", i, RandomBytes(120, t * kRows + i)) + std::string(120, 'v');
  };
  auto recording = std::make_shared<RecordingStore>(store);
  for (int t = 0; t < tables; ++t) {
    const std::string key = fmt::format("t/{:06d}", t);
    auto b = TableBuilder::Open(recording, key, to);
    ASSERT_OK(b);
    for (int i = 0; i < kRows; ++i) {
      ASSERT_OK((*b)->Add(fmt::format("key{:08d}", i), value_of(t, i)));
    }
    ASSERT_OK((*b)->Finish());
    auto built = direct_->Get(key);
    ASSERT_OK(built);
    ASSERT_GT(built->size(), uint64_t{5} << 20) << "the table should take several parts";
    ASSERT_TRUE(*built == recording->written()) << "table " << t << " is not what was written";

    auto reader = TableReader::Open(store, key, to);
    ASSERT_OK(reader);
    ASSERT_OK((*reader)->FetchAndLoadMetadata());
    std::string value;
    for (int i = 0; i < kRows; i += 997) {
      ASSERT_OK((*reader)->GetRow(fmt::format("key{:08d}", i), &value));
      ASSERT_EQ(value, value_of(t, i));
    }
  }
  EXPECT_GT(proxy_->total_faults(), 0u);
  Report("compressed tables");
}

TEST_F(S3FaultTest, AllRequestsFailingGivesAClearErrorInTime) {
  ASSERT_NO_FATAL_FAILURE(Open(9, /*probability=*/1.0, /*attempts=*/4));
  auto& store = store_;
  for (const bool streamed : {false, true}) {
    const auto start = std::chrono::steady_clock::now();
    Status s = streamed ? basin::testing::StreamObject(*store, "k", std::string(11 << 20, 'x'))
                        : store->Put("k", "v");
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_LT(secs, 30.0) << "took " << secs << " s";
  }
}

}  // namespace
}  // namespace basin
