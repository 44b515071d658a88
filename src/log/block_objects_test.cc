// The object-per-block layout against hostile listings and lost objects, and the writer's
// uploads in flight.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "basin/counting_store.h"
#include "basin/fault_injecting_store.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::ReadAll;
using basin::testing::ReadRecord;
using basin::testing::WriteLog;

LogOptions PerBlock(CompressionType c = CompressionType::kNone) {
  LogOptions o;
  o.block_size = 1024;
  o.layout = LogLayout::kObjectPerBlock;
  o.compression.type = c;
  return o;
}

std::vector<std::string> Records(int n, size_t size = 300) {
  std::vector<std::string> r;
  for (int i = 0; i < n; ++i) r.push_back(RandomBytes(size, i));
  return r;
}

size_t BlockObjects(ObjectStore& store, const std::string& key) {
  const std::vector<ObjectInfo> objects = *store.ListAll(key + "/");
  size_t n = 0;
  for (const ObjectInfo& o : objects) n += o.key != key + "/footer";
  return n;
}

// Stray keys with enormous block numbers (one within the format's 50 bits, one past them)
// must cost neither memory nor requests in proportion to their numbers: they are damage,
// reported as one line, and recovery deletes them.
TEST(BlockObjectsTest, HugeBlockNumbersInAListingAreBoundedDamage) {
  const auto records = Records(30);
  for (RecoveryMode mode :
       {RecoveryMode::kStrict, RecoveryMode::kPointInTime, RecoveryMode::kSkipDamaged}) {
    auto mem = NewMemoryStore();
    WriteLog(mem, "log", PerBlock(), records, /*close=*/false);  // the writer died
    const size_t real = BlockObjects(*mem, "log");
    ASSERT_OK(mem->Put("log/b000000ffffffffff", RandomBytes(100, 1)));
    ASSERT_OK(mem->Put("log/bffffffffffffffff", RandomBytes(100, 2)));
    auto counting = std::make_shared<CountingStore>(mem);
    auto reader = LogReader::Open(counting, "log");
    ASSERT_OK(reader);
    EXPECT_EQ((*reader)->info().blocks.size(), real);
    // One header read and one trailer read per listed object, nothing more.
    EXPECT_LE(counting->counts()[StoreOp::kGet].requests, real + 3);
    const auto verify = (*reader)->Verify();
    ASSERT_TRUE(verify.status().IsCorruption());
    EXPECT_NE(verify.status().message().find("missing"), std::string::npos)
        << verify.status().message();
    auto report = RecoverLog(mem, "log", mode);
    if (mode == RecoveryMode::kStrict) {
      EXPECT_TRUE(report.status().IsCorruption()) << report.status().ToString();
      continue;
    }
    ASSERT_OK(report);
    EXPECT_FALSE(report->damage.empty());
    EXPECT_TRUE(mem->Head("log/b000000ffffffffff").status().IsNotFound());
    EXPECT_TRUE(mem->Head("log/bffffffffffffffff").status().IsNotFound());
    Status st;
    auto got = ReadAll(mem, "log", &st);
    ASSERT_OK(st);
    ASSERT_EQ(got.size(), records.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].value, records[i]);
    EXPECT_OK((*LogReader::Open(mem, "log"))->Verify());
  }
}

// A sealed footer that lists more blocks than the listing holds means sealed blocks have
// gone: damage, not a shorter log.
TEST(BlockObjectsTest, AFooterListingMoreBlocksThanAreListedIsDamage) {
  auto mem = NewMemoryStore();
  const auto records = Records(40);
  WriteLog(mem, "log", PerBlock(), records);
  const size_t blocks = BlockObjects(*mem, "log");
  ASSERT_GT(blocks, 5u);
  ASSERT_OK(mem->Delete(fmt::format("log/b{:016x}", blocks - 1)));
  ASSERT_OK(mem->Delete(fmt::format("log/b{:016x}", blocks - 2)));
  auto reader = LogReader::Open(mem, "log");
  ASSERT_OK(reader);
  const auto verify = (*reader)->Verify();
  ASSERT_TRUE(verify.status().IsCorruption());
  EXPECT_NE(verify.status().message().find("lists " + std::to_string(blocks) + " blocks"),
            std::string::npos)
      << verify.status().message();
  EXPECT_TRUE(RecoverLog(mem, "log", RecoveryMode::kStrict).status().IsCorruption());
  auto report = RecoverLog(mem, "log", RecoveryMode::kPointInTime);
  ASSERT_OK(report);
  EXPECT_EQ(report->damage.size(), 1u) << report->ToString();
  EXPECT_EQ(report->blocks_kept, blocks - 2);
  auto after = *LogReader::Open(mem, "log");
  EXPECT_TRUE(after->info().sealed);
  EXPECT_OK(after->Verify());
}

// Forwards to a store, holding every put for a while and counting how many are under
// way at once.
class SlowPutStore : public ObjectStore {
 public:
  explicit SlowPutStore(std::shared_ptr<ObjectStore> base) : base_(std::move(base)) {}
  int max_in_flight() const { return max_; }
  std::string url() const override { return base_->url(); }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    const int now = ++in_flight_;
    int seen = max_;
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Status s = base_->Put(key, data, mode);
    --in_flight_;
    return s;
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
    return base_->NewWriter(key, mode);
  }

 private:
  std::shared_ptr<ObjectStore> base_;
  std::atomic<int> in_flight_{0}, max_{0};
};

// Block objects go up several at a time (S3 puts take tens of milliseconds each), never
// more than the writer's bound, and the log reads back in order.
TEST(BlockObjectsTest, TheWriterKeepsSeveralUploadsInFlight) {
  for (CompressionType c : {CompressionType::kNone, CompressionType::kZstd}) {
    auto mem = NewMemoryStore();
    auto slow = std::make_shared<SlowPutStore>(mem);
    const auto records = Records(200, 700);  // about 140 blocks of 1 KiB
    const auto addresses = WriteLog(slow, "log", PerBlock(c), records);
    EXPECT_GT(slow->max_in_flight(), 1) << CompressionName(c);
    EXPECT_LE(slow->max_in_flight(), 4) << CompressionName(c);
    Status st;
    auto got = ReadAll(mem, "log", &st);
    ASSERT_OK(st);
    ASSERT_EQ(got.size(), records.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].value, records[i]);
      EXPECT_EQ(got[i].address, addresses[i]);
    }
    EXPECT_OK((*LogReader::Open(mem, "log"))->Verify());
  }
}

// A put that fails while later ones are in flight leaves a gap with blocks after it, as a
// crash would. Readers see only the blocks before the gap, and point-in-time recovery
// keeps exactly those and deletes the rest: the log grows in block order.
TEST(BlockObjectsTest, AFailedUploadAmongThoseInFlightLeavesAPrefix) {
  const auto records = Records(200, 700);
  for (uint64_t nth : {3, 10, 25}) {
    auto mem = NewMemoryStore();
    auto slow = std::make_shared<SlowPutStore>(mem);
    auto faulty = std::make_shared<FaultInjectingStore>(
        slow, FaultPlan{.ops = OpBit(StoreOp::kPut), .fail_nth = nth, .retryable = false});
    {
      auto w = LogWriter::Open(faulty, "log", PerBlock());
      ASSERT_OK(w);
      Status s;
      for (const auto& r : records) {
        s = (*w)->Append(r).status();
        if (!s.ok()) break;
      }
      if (s.ok()) s = (*w)->Close();
      EXPECT_TRUE(s.IsIOError()) << nth << ": " << s.ToString();
      EXPECT_TRUE((*w)->status().IsIOError());  // sticky
    }
    Status st;
    auto seen = ReadAll(mem, "log", &st);  // what point-in-time keeps, without repair
    ASSERT_OK(st);
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].value, records[i]) << nth;
    auto report = RecoverLog(mem, "log", RecoveryMode::kPointInTime);
    ASSERT_OK(report);
    auto got = ReadAll(mem, "log", &st);
    ASSERT_OK(st);
    EXPECT_EQ(got.size(), seen.size()) << nth;
    EXPECT_EQ(BlockObjects(*mem, "log"), report->blocks_kept) << nth;
    EXPECT_OK((*LogReader::Open(mem, "log"))->Verify());
  }
}

}  // namespace
}  // namespace basin
