// The segment directory, the basic record file and typed records.
#include <gtest/gtest.h>

#include "basin/basic_record_file.h"
#include "basin/coding.h"
#include "basin/log_directory.h"
#include "basin/memory_store.h"
#include "basin/typed_log.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;

LogDirectoryOptions SmallSegments() {
  LogDirectoryOptions o;
  o.log.block_size = 1024;
  o.max_segment_bytes = 8 * 1024;
  o.open_segments = 2;
  return o;
}

std::vector<std::string> Records(int n) {
  std::vector<std::string> r;
  for (int i = 0; i < n; ++i) r.push_back(RandomBytes(static_cast<size_t>(i * 13 % 700), i));
  return r;
}

TEST(LogDirectoryTest, RollsSegmentsAndReadsAcrossThem) {
  auto store = NewMemoryStore();
  const auto records = Records(300);
  std::vector<uint64_t> addresses;
  {
    auto w = *LogDirectoryWriter::Open(store, "dir", SmallSegments());
    for (const auto& r : records) addresses.push_back(*w->Append(r));
    ASSERT_TRUE(w->Close().ok());
  }
  auto reader = *LogDirectoryReader::Open(store, "dir", SmallSegments());
  ASSERT_GT(reader->segments().size(), 5u);
  auto it = reader->NewIterator();
  size_t i = 0;
  while (it->Next()) {
    ASSERT_LT(i, records.size());
    EXPECT_EQ(it->value(), records[i]);
    EXPECT_EQ(it->entry_id(), i);
    EXPECT_EQ(it->position(), addresses[i]);
    ++i;
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(i, records.size());
  // Addresses carry the segment: reads go straight to it.
  for (size_t k = 0; k < records.size(); k += 17) {
    EXPECT_EQ(*reader->Get(addresses[k]), records[k]);
    ASSERT_TRUE(it->SeekToEntry(k).ok());
    ASSERT_TRUE(it->Next());
    EXPECT_EQ(it->value(), records[k]);
  }
  EXPECT_LE(reader->open_segment_count(), 2u);  // the segment cache closes what it evicts
  EXPECT_TRUE(reader->Verify().ok());
  EXPECT_GT(LogAddress::UnpackSegment(addresses.back()).segment, 0u);
}

TEST(LogDirectoryTest, ReopenedDirectoryContinuesEntryIds) {
  auto store = NewMemoryStore();
  {
    auto w = *LogDirectoryWriter::Open(store, "dir", SmallSegments());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(w->Append("first").ok());
    ASSERT_TRUE(w->Roll().ok());
    ASSERT_TRUE(w->Close().ok());
  }
  auto w = *LogDirectoryWriter::Open(store, "dir", SmallSegments());
  EXPECT_EQ(w->next_entry(), 50u);
  ASSERT_TRUE(w->Append("second").ok());
  ASSERT_TRUE(w->Close().ok());
  auto reader = *LogDirectoryReader::Open(store, "dir", SmallSegments());
  auto it = reader->NewIterator();
  ASSERT_TRUE(it->SeekToEntry(50).ok());
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->value(), "second");
  EXPECT_EQ(it->entry_id(), 50u);
}

TEST(BasicRecordFileTest, RoundTripsWithOffsetAddresses) {
  auto store = NewMemoryStore();
  const auto records = Records(100);
  std::vector<uint64_t> addresses;
  {
    auto w = *BasicRecordWriter::Open(store, "basic", 10);
    for (const auto& r : records) addresses.push_back(*w->Append(r));
    ASSERT_TRUE(w->Close().ok());
  }
  auto reader = *BasicRecordReader::Open(store, "basic");
  auto it = reader->NewIterator();
  size_t i = 0;
  while (it->Next()) {
    EXPECT_EQ(it->value(), records[i]);
    EXPECT_EQ(it->position(), addresses[i]);
    EXPECT_EQ(it->entry_id(), 10 + i);
    ++i;
  }
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(i, records.size());
  ASSERT_TRUE(it->Seek(addresses[42]).ok());
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->value(), records[42]);
  EXPECT_EQ(it->entry_id(), 52u);
  ASSERT_TRUE(it->SeekToEntry(60).ok());
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->value(), records[50]);
  EXPECT_TRUE(it->Seek(addresses[42] + 1).IsNotFound());
}

TEST(BasicRecordFileTest, TornTailIsCutOnReopenButDamageIsRefused) {
  auto store = NewMemoryStore();
  {
    auto w = *BasicRecordWriter::Open(store, "basic");
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->Append(std::string(50, 'a' + i)).ok());
    ASSERT_TRUE(w->Close().ok());
  }
  std::string bytes = *store->Get("basic");
  ASSERT_TRUE(store->Put("basic", bytes.substr(0, bytes.size() - 20)).ok());  // torn
  {
    auto w = BasicRecordWriter::Open(store, "basic");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ((*w)->next_entry(), 9u);
    ASSERT_TRUE((*w)->Append("tail").ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto it = (*BasicRecordReader::Open(store, "basic"))->NewIterator();
  int n = 0;
  std::string last;
  while (it->Next()) {
    ++n;
    last = std::string(it->value());
  }
  EXPECT_EQ(n, 10);
  EXPECT_EQ(last, "tail");
  bytes = *store->Get("basic");
  bytes[100] ^= 1;  // damage in the middle
  ASSERT_TRUE(store->Put("basic", bytes).ok());
  EXPECT_TRUE(BasicRecordWriter::Open(store, "basic").status().IsCorruption());
  auto bad = (*BasicRecordReader::Open(store, "basic"))->NewIterator();
  while (bad->Next()) {
  }
  EXPECT_TRUE(bad->status().IsCorruption());
}

struct Point {
  int64_t x, y;
};

}  // namespace

template <>
struct Serializer<Point> {
  static void Encode(const Point& p, std::string* out) {
    PutFixed64(out, static_cast<uint64_t>(p.x));
    PutFixed64(out, static_cast<uint64_t>(p.y));
  }
  static Status Decode(std::string_view in, Point* p) {
    uint64_t x, y;
    if (!GetFixed64(&in, &x) || !GetFixed64(&in, &y) || !in.empty()) {
      return Status::Corruption("not a point");
    }
    *p = {static_cast<int64_t>(x), static_cast<int64_t>(y)};
    return Status::OK();
  }
};

namespace {

TEST(TypedLogTest, SerializedValuesRoundTripAndBadOnesAreReported) {
  auto store = NewMemoryStore();
  {
    TypedLogWriter<Point> w(*LogWriter::Open(store, "points", {}));
    for (int64_t i = 0; i < 100; ++i) ASSERT_TRUE(w.Append({i, -i}).ok());
    ASSERT_TRUE(w.raw().Append("garbage").ok());
    ASSERT_TRUE(w.raw().Close().ok());
  }
  auto reader = *LogReader::Open(store, "points");
  TypedLogIterator<Point> it(reader->NewIterator());
  int64_t i = 0;
  while (it.Next()) {
    EXPECT_EQ(it.value().x, i);
    EXPECT_EQ(it.value().y, -i);
    ++i;
  }
  EXPECT_EQ(i, 100);
  EXPECT_TRUE(it.status().IsCorruption());
  EXPECT_NE(it.status().message().find("record 100"), std::string::npos);
}

}  // namespace
}  // namespace basin
