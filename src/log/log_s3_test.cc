// The record log on a real S3 server: Ceph's radosgw on 127.0.0.1, which `bb test` and
// scripts/test.sh start and describe in S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY. These
// tests fail (they do not skip) without one. Between the store and the server,
// tests/fault_proxy.h breaks a chosen share of the exchanges.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>

#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/retrying_store.h"
#include "basin/s3_store.h"
#include "fault_proxy.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;

// Options for a new, empty bucket on the test server; nothing when there is no server.
std::optional<S3Options> ServerOptions() {
  const char* endpoint = std::getenv("S3_ENDPOINT");
  const char* key = std::getenv("S3_ACCESS_KEY");
  const char* secret = std::getenv("S3_SECRET_KEY");
  if (endpoint == nullptr || key == nullptr || secret == nullptr) return std::nullopt;
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard lock(mu);
  S3Options o;
  o.endpoint = endpoint;
  o.access_key = key;
  o.secret_key = secret;
  o.bucket = "basin-log-test-" + std::to_string(rng() % 1000000000000ull);
  if (Status s = CreateS3Bucket(o); !s.ok()) {
    ADD_FAILURE() << s.ToString();
    return std::nullopt;
  }
  return o;
}

#define REQUIRE_SERVER()                                                                \
  auto options_or = ServerOptions();                                                    \
  ASSERT_TRUE(options_or.has_value())                                                   \
      << "no S3 server: run through `bb test` or scripts/test.sh, which start radosgw"; \
  S3Options options = *options_or

LogOptions PerBlock(uint32_t block_size, CompressionType c = CompressionType::kNone) {
  LogOptions o;
  o.block_size = block_size;
  o.layout = LogLayout::kObjectPerBlock;
  o.compression.type = c;
  return o;
}

// On S3, one byte flipped in the body of block 5 of 14: verify names it, skip-damaged
// recovery drops that block alone, and the log then reads to its end and verifies.
TEST(LogS3Test, SkipDamagedRecoveryDropsABlockWhoseBodyIsDamaged) {
  REQUIRE_SERVER();
  auto store = *OpenS3Store(options);
  std::vector<std::string> records;
  for (int i = 0; i < 14 * 13; ++i) records.push_back(RandomBytes(300, i));  // 13 a block
  basin::testing::WriteLog(store, "log", PerBlock(4096), records);
  auto reader = *LogReader::Open(store, "log");
  ASSERT_GE(reader->info().blocks.size(), 14u);
  const LogBlock block5 = reader->info().blocks[5];
  std::string bytes = *store->Get("log/b0000000000000005");
  bytes[bytes.size() / 2] ^= 0x01;
  ASSERT_OK(store->Put("log/b0000000000000005", bytes));
  const auto verify = (*LogReader::Open(store, "log"))->Verify();
  ASSERT_TRUE(verify.status().IsCorruption());
  EXPECT_NE(verify.status().message().find("checksum mismatch"), std::string::npos)
      << verify.status().message();

  auto report = RecoverLog(store, "log", RecoveryMode::kSkipDamaged);
  ASSERT_OK(report);
  EXPECT_FALSE(report->was_sealed) << report->ToString();
  ASSERT_EQ(report->damage.size(), 1u) << report->ToString();
  EXPECT_EQ(report->objects_deleted, 1u);
  Status st;
  const auto got = basin::testing::ReadAll(store, "log", &st);
  ASSERT_OK(st);
  ASSERT_EQ(got.size(), records.size() - block5.records);
  for (const auto& r : got) {
    EXPECT_EQ(r.value, records[r.entry]);
    EXPECT_FALSE(r.entry >= block5.first_entry && r.entry < block5.first_entry + block5.records);
  }
  EXPECT_EQ(got.back().entry, records.size() - 1);
  EXPECT_OK((*LogReader::Open(store, "log"))->Verify());
}

// A store that reaches the server through a fault proxy, retrying with short backoffs.
std::shared_ptr<RetryingStore> ThroughProxy(S3Options options, basin::testing::FaultProxy& proxy,
                                            int attempts) {
  options.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
  options.stall_seconds = 1;
  RetryPolicy policy;
  policy.max_attempts = attempts;
  policy.initial_backoff = std::chrono::milliseconds(5);
  policy.max_backoff = std::chrono::milliseconds(200);
  return std::make_shared<RetryingStore>(*OpenS3Store(options), policy);
}

int ServerPort(const S3Options& o) {
  const std::string port = o.endpoint.substr(o.endpoint.rfind(':') + 1);
  return static_cast<int>(std::strtol(port.c_str(), nullptr, 10));
}

std::vector<std::string> FaultRecords() {
  std::vector<std::string> records;
  for (int i = 0; i < 400; ++i) {
    records.push_back(i % 3 ? RandomBytes(100 + i * 13 % 3000, i)
                            : std::string(2000, 'a' + i % 26));
  }
  return records;
}

// An object-per-block append through a proxy that breaks 5% of the exchanges in every way
// it knows (500, SlowDown, resets, stalls, truncated bodies, responses dropped after the
// server applied the request), with retries: it completes, and the log reads back
// byte-identical through a clean connection, compressed or not.
TEST(LogS3FaultTest, ObjectPerBlockAppendThroughFivePercentFaultsReadsBackIdentical) {
  REQUIRE_SERVER();
  const auto records = FaultRecords();
  basin::testing::FaultProxy proxy(ServerPort(options), 0.05, 11, /*stall_ms=*/2500);
  auto faulty = ThroughProxy(options, proxy, 12);
  auto clean = *OpenS3Store(options);
  for (CompressionType c : {CompressionType::kNone, CompressionType::kZstd}) {
    const std::string key = fmt::format("log-{}", CompressionName(c));
    std::vector<uint64_t> addresses;
    {
      auto w = LogWriter::Open(faulty, key, PerBlock(16 << 10, c));
      ASSERT_OK(w);
      for (size_t i = 0; i < records.size(); ++i) {
        uint64_t a = 0;
        ASSERT_OK_AND_ASSIGN(a, (*w)->Append(records[i]));
        addresses.push_back(a);
        if (i % 100 == 99) ASSERT_OK((*w)->Sync());
      }
      ASSERT_OK((*w)->Close());
    }
    auto reader = *LogReader::Open(clean, key);
    EXPECT_TRUE(reader->info().sealed);
    EXPECT_OK(reader->Verify());
    Status st;
    const auto got = basin::testing::ReadAll(clean, key, &st);
    ASSERT_OK(st);
    ASSERT_EQ(got.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      ASSERT_TRUE(got[i].value == records[i]) << CompressionName(c) << " record " << i;
      ASSERT_EQ(got[i].address, addresses[i]);
    }
  }
  uint64_t faults = 0;
  for (int f = 1; f < basin::testing::FaultProxy::kFaultCount; ++f) {
    faults += proxy.faults(static_cast<basin::testing::FaultProxy::Fault>(f));
  }
  EXPECT_GT(faults, 0u);
  EXPECT_GT(faulty->retries(), 0u);
}

// When every exchange fails, the append fails with a clear I/O error, in bounded time,
// and the error sticks.
TEST(LogS3FaultTest, ObjectPerBlockAppendWhenEveryRequestFailsGivesAClearErrorInTime) {
  REQUIRE_SERVER();
  const auto records = FaultRecords();
  basin::testing::FaultProxy proxy(ServerPort(options), 0.0, 12, /*stall_ms=*/2500);
  auto faulty = ThroughProxy(options, proxy, 4);
  auto w = LogWriter::Open(faulty, "log", PerBlock(16 << 10));
  ASSERT_OK(w);
  proxy.set_probability(1.0);
  const auto start = std::chrono::steady_clock::now();
  Status s;
  for (const auto& r : records) {
    s = (*w)->Append(r).status();
    if (!s.ok()) break;
  }
  if (s.ok()) s = (*w)->Close();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("writing block"), std::string::npos) << s.message();
  EXPECT_LT(secs, 60.0);
  EXPECT_TRUE((*w)->Close().IsIOError());  // sticky
}

}  // namespace
}  // namespace basin
