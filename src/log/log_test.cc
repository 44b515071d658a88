#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "basin/file_store.h"
#include "basin/log_reader.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"
#include "log/log_format.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::ReadAll;
using basin::testing::ReadRecord;
using basin::testing::WriteLog;

struct Config {
  LogLayout layout;
  CompressionType compression;
  uint32_t block_size;
};

std::string Name(const Config& c) {
  return std::string(c.layout == LogLayout::kSingleObject ? "single_" : "perblock_") +
         std::string(CompressionName(c.compression)) + "_" + std::to_string(c.block_size);
}

LogOptions OptionsFor(const Config& c) {
  LogOptions o;
  o.layout = c.layout;
  o.compression.type = c.compression;
  o.block_size = c.block_size;
  return o;
}

// Records of many sizes: empty, small, around the block size, several blocks long.
std::vector<std::string> MixedRecords(uint32_t block_size, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    size_t len;
    switch (rng() % 8) {
      case 0:
        len = 0;
        break;
      case 1:
        len = block_size - 51 + rng() % 3;
        break;  // right at the edge of a block
      case 2:
        len = block_size * (1 + rng() % 3) + rng() % 100;
        break;  // spans blocks
      default:
        len = rng() % 200;
        break;
    }
    // Half compressible, half random.
    out.push_back(i % 2 ? RandomBytes(len, seed * 1000 + i) : std::string(len, 'a' + i % 26));
  }
  return out;
}

class LogRoundTripTest : public ::testing::TestWithParam<Config> {};

TEST_P(LogRoundTripTest, IterationAddressesAndEntryIdsReadBack) {
  const Config c = GetParam();
  auto store = NewMemoryStore();
  const auto records = MixedRecords(c.block_size, 120, 7);
  const auto addresses = WriteLog(store, "log", OptionsFor(c), records);
  ASSERT_EQ(addresses.size(), records.size());
  Status st;
  const auto got = ReadAll(store, "log", &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(got[i].value, records[i]) << i;
    EXPECT_EQ(got[i].entry, i);
    EXPECT_EQ(got[i].address, addresses[i]) << i;
  }
  auto reader = *LogReader::Open(store, "log");
  EXPECT_TRUE(reader->info().sealed);
  EXPECT_EQ(reader->info().next_entry, records.size());
  EXPECT_TRUE(reader->Verify().ok());
  // Random access by address and by entry id.
  auto it = reader->NewIterator();
  for (size_t i = 0; i < records.size(); i += 7) {
    auto v = reader->Get(addresses[i]);
    ASSERT_TRUE(v.ok()) << i << ": " << v.status().ToString();
    EXPECT_EQ(*v, records[i]);
    ASSERT_TRUE(it->SeekToEntry(i).ok());
    ASSERT_TRUE(it->Next());
    EXPECT_EQ(it->entry_id(), i);
    EXPECT_EQ(it->value(), records[i]);
    ASSERT_TRUE(it->Seek(addresses[i]).ok());
    ASSERT_TRUE(it->Next());
    EXPECT_EQ(it->position(), addresses[i]);
    // Iteration continues from there.
    if (i + 1 < records.size()) {
      ASSERT_TRUE(it->Next());
      EXPECT_EQ(it->value(), records[i + 1]);
    }
  }
}

TEST_P(LogRoundTripTest, EmptyLogIsSealedAndEmpty) {
  const Config c = GetParam();
  auto store = NewMemoryStore();
  WriteLog(store, "empty", OptionsFor(c), {});
  Status st;
  EXPECT_TRUE(ReadAll(store, "empty", &st).empty());
  EXPECT_TRUE(st.ok()) << st.ToString();
  auto reader = *LogReader::Open(store, "empty");
  EXPECT_TRUE(reader->info().sealed);
  EXPECT_TRUE(reader->Verify().ok());
}

TEST_P(LogRoundTripTest, ReopenedLogTakesMoreAppends) {
  const Config c = GetParam();
  auto store = NewMemoryStore();
  const auto first = MixedRecords(c.block_size, 30, 1), second = MixedRecords(c.block_size, 30, 2);
  WriteLog(store, "log", OptionsFor(c), first);
  const auto more = WriteLog(store, "log", OptionsFor(c), second);
  const auto got = ReadAll(store, "log");
  ASSERT_EQ(got.size(), 60u);
  for (size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(got[i].value, first[i]);
    EXPECT_EQ(got[30 + i].value, second[i]);
    EXPECT_EQ(got[30 + i].entry, 30 + i);
    EXPECT_EQ(got[30 + i].address, more[i]);
  }
}

TEST_P(LogRoundTripTest, FlushedRecordsAreReadableBeforeClose) {
  const Config c = GetParam();
  auto store = NewMemoryStore();
  const auto records = MixedRecords(c.block_size, 25, 3);
  auto w = *LogWriter::Open(store, "log", OptionsFor(c));
  for (const auto& r : records) ASSERT_TRUE(w->Append(r).ok());
  ASSERT_TRUE(w->Flush().ok());
  Status st;
  const auto got = ReadAll(store, "log", &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(got[i].value, records[i]);
  EXPECT_FALSE((*LogReader::Open(store, "log"))->info().sealed);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_TRUE((*LogReader::Open(store, "log"))->info().sealed);
}

TEST_P(LogRoundTripTest, MetadataIsKeptInTheTail) {
  const Config c = GetParam();
  auto store = NewMemoryStore();
  auto w = *LogWriter::Open(store, "log", OptionsFor(c));
  ASSERT_TRUE(w->Append("x").ok());
  w->SetMetadata("user metadata \x01\x02");
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ((*LogReader::Open(store, "log"))->info().metadata, "user metadata \x01\x02");
}

INSTANTIATE_TEST_SUITE_P(
    Configs, LogRoundTripTest,
    ::testing::Values(Config{LogLayout::kSingleObject, CompressionType::kNone, 1024},
                      Config{LogLayout::kSingleObject, CompressionType::kNone, 65536},
                      Config{LogLayout::kSingleObject, CompressionType::kLz4, 4096},
                      Config{LogLayout::kSingleObject, CompressionType::kZstd, 1024},
                      Config{LogLayout::kObjectPerBlock, CompressionType::kNone, 1024},
                      Config{LogLayout::kObjectPerBlock, CompressionType::kZstd, 4096}),
    [](const auto& info) { return Name(info.param); });

RC_GTEST_PROP(LogProp, AnyRecordsAnyBlockSizeAnyCompressionReadBack, ()) {
  const auto block_size = *rc::gen::element<uint32_t>(1024, 1500, 4096, 65536);
  const auto compression =
      *rc::gen::element(CompressionType::kNone, CompressionType::kLz4, CompressionType::kZstd);
  const auto layout = *rc::gen::element(LogLayout::kSingleObject, LogLayout::kObjectPerBlock);
  const auto sizes = *rc::gen::container<std::vector<size_t>>(
      rc::gen::oneOf(rc::gen::inRange<size_t>(0, 64), rc::gen::inRange<size_t>(0, 3 * block_size)));
  std::vector<std::string> records;
  for (size_t i = 0; i < sizes.size(); ++i) records.push_back(RandomBytes(sizes[i], i + 1));
  auto store = NewMemoryStore();
  LogOptions o;
  o.block_size = block_size;
  o.compression.type = compression;
  o.layout = layout;
  o.first_entry = *rc::gen::inRange<uint64_t>(0, 1000);
  const auto addresses = WriteLog(store, "p", o, records);
  Status st;
  const auto got = ReadAll(store, "p", &st);
  RC_ASSERT(st.ok());
  RC_ASSERT(got.size() == records.size());
  auto reader = *LogReader::Open(store, "p");
  for (size_t i = 0; i < records.size(); ++i) {
    RC_ASSERT(got[i].value == records[i]);
    RC_ASSERT(got[i].entry == o.first_entry + i);
    RC_ASSERT(got[i].address == addresses[i]);
    auto v = reader->Get(addresses[i]);
    RC_ASSERT(v.ok());
    RC_ASSERT(*v == records[i]);
  }
  auto it = reader->NewIterator();
  for (size_t i = 0; i < records.size(); ++i) {
    RC_ASSERT(it->SeekToEntry(o.first_entry + i).ok());
    RC_ASSERT(it->Next());
    RC_ASSERT(it->value() == records[i]);
  }
  RC_ASSERT(reader->Verify().ok());
}

TEST(LogTest, BlocksAreCutAtTheRecordCountLimit) {
  auto store = NewMemoryStore();
  LogOptions o;
  o.block_size = 1 << 20;
  std::vector<std::string> records(log::kMaxRecordsPerBlock + 10, "");
  const auto addresses = WriteLog(store, "many", o, records);
  auto reader = *LogReader::Open(store, "many");
  ASSERT_EQ(reader->info().blocks.size(), 2u);
  EXPECT_EQ(reader->info().blocks[0].records, log::kMaxRecordsPerBlock);
  EXPECT_EQ(LogAddress::UnpackFile(addresses.back()).record_index, 9u);
  EXPECT_EQ(ReadAll(store, "many").size(), records.size());
}

TEST(LogTest, AddressesPackAndUnpack) {
  const LogAddress a{0, (uint64_t{1} << 49) + 12345, 16383};
  EXPECT_EQ(LogAddress::UnpackFile(a.PackFile()).block, a.block);
  EXPECT_EQ(LogAddress::UnpackFile(a.PackFile()).record_index, a.record_index);
  const LogAddress s{65535, (uint64_t{1} << 33) + 7, 42};
  const LogAddress back = LogAddress::UnpackSegment(s.PackSegment());
  EXPECT_EQ(back.segment, s.segment);
  EXPECT_EQ(back.block, s.block);
  EXPECT_EQ(back.record_index, s.record_index);
}

TEST(LogTest, SingleObjectLogOnAFileStore) {
  basin::testing::TempDir dir;
  auto store = *OpenFileStore(dir.path());
  const auto records = MixedRecords(4096, 200, 11);
  LogOptions o;
  o.block_size = 4096;
  WriteLog(store, "logs/a.log", o, records);
  const auto got = ReadAll(store, "logs/a.log");
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(got[i].value, records[i]);
}

TEST(LogTest, SeekToAMissingAddressOrEntryIsNotFound) {
  auto store = NewMemoryStore();
  const auto addresses = WriteLog(store, "log", {}, {"a", "b"});
  auto reader = *LogReader::Open(store, "log");
  auto it = reader->NewIterator();
  EXPECT_TRUE(it->SeekToEntry(2).IsNotFound());
  EXPECT_FALSE(it->Next());
  EXPECT_TRUE(it->Seek(addresses[1] + 1).IsNotFound());  // record index 2 of that block
  EXPECT_TRUE(it->Seek(LogAddress{0, 999, 0}.PackFile()).IsNotFound());
  EXPECT_TRUE(reader->Get(addresses[1] + 5).status().IsNotFound());
}

TEST(LogTest, SharedBlockCacheServesRepeatedReads) {
  auto store = NewMemoryStore();
  LogOptions o;
  o.block_size = 4096;
  o.block_cache = std::make_shared<BlockCache>(1 << 20);
  const auto records = MixedRecords(4096, 100, 5);
  WriteLog(store, "log", o, records);
  ReadAll(store, "log", nullptr, o);
  const uint64_t misses = o.block_cache->misses();
  EXPECT_GT(misses, 0u);
  const auto again = ReadAll(store, "log", nullptr, o);
  EXPECT_EQ(o.block_cache->misses(), misses);  // all from the cache
  EXPECT_GT(o.block_cache->hits(), 0u);
  EXPECT_EQ(again.size(), records.size());
}

TEST(LogTest, WrongBlockSizeIsRefused) {
  auto store = NewMemoryStore();
  LogOptions o;
  o.block_size = 100;
  EXPECT_TRUE(LogWriter::Open(store, "x", o).status().IsInvalidArgument());
}

}  // namespace
}  // namespace basin
