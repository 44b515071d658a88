// Damage and recovery: bit flips, truncation at every offset, the three modes, and
// object-per-block recovery that reads only tails.
#include <gtest/gtest.h>

#include "basin/counting_store.h"
#include "basin/fault_injecting_store.h"
#include "basin/file_store.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"
#include "log/block_decoder.h"
#include "log/log_format.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::ReadAll;
using basin::testing::ReadRecord;
using basin::testing::WriteLog;

// Twenty records of mixed sizes, two of them longer than a 1 KiB block.
std::vector<std::string> SmallLogRecords() {
  std::vector<std::string> r;
  for (int i = 0; i < 20; ++i) {
    const size_t len = i == 5 ? 2500 : i == 13 ? 1100 : static_cast<size_t>((i * 37) % 150);
    r.push_back(RandomBytes(len, 100 + i));
  }
  return r;
}

LogOptions Small(CompressionType c = CompressionType::kNone) {
  LogOptions o;
  o.block_size = 1024;
  o.compression.type = c;
  return o;
}

std::string Bytes(ObjectStore& s, const std::string& key) { return *s.Get(key); }

void Replace(ObjectStore& s, const std::string& key, const std::string& bytes) {
  ASSERT_TRUE(s.Put(key, bytes).ok());
}

// Where each record's bytes end in a single-object log: the end of its last fragment
// (uncompressed blocks) or of the block holding its last fragment (compressed blocks).
std::vector<uint64_t> RecordEnds(const std::string& file) {
  using namespace basin::log;
  std::vector<uint64_t> ends;
  uint64_t pos = kHeaderRecordSize;
  bool open = false;
  std::vector<uint64_t> pending;  // records finished inside the current compressed block
  while (pos < file.size()) {
    RecordView r;
    EXPECT_TRUE(ParseRecord(std::string_view(file).substr(pos), pos, &r).ok());
    const auto t = static_cast<RecordType>(r.type);
    if (t == RecordType::kIndex || t == RecordType::kFooter) break;
    if (t == RecordType::kCompressed) {
      // Decoding the inner records is the reader's job; count their ends at the block's end.
      std::string plain;
      Decompressor d;
      EXPECT_TRUE(DecompressBlock(r.payload, pos, 1 << 20, d, &plain).ok());
      DecodedBlock inner;
      EXPECT_TRUE(ParseCompact(plain, pos, 0, &inner).ok());
      for (const auto& rec : inner.records) {
        const auto it = static_cast<RecordType>(rec.type);
        if (it == RecordType::kFull || (it == RecordType::kLast && open)) pending.push_back(0);
        open = it == RecordType::kFirst || (open && it == RecordType::kMiddle);
      }
    } else if (t == RecordType::kTrailer) {
      for (size_t i = 0; i < pending.size(); ++i) ends.push_back(pos + r.size());
      pending.clear();
    } else if (t == RecordType::kFull || (t == RecordType::kLast && open)) {
      ends.push_back(pos + r.size());
    }
    if (t == RecordType::kFirst) open = true;
    if (t == RecordType::kFull || t == RecordType::kLast) open = false;
    pos += r.size();
  }
  return ends;
}

void CheckTruncationAtEveryOffset(CompressionType compression) {
  auto store = NewMemoryStore();
  const auto records = SmallLogRecords();
  WriteLog(store, "log", Small(compression), records);
  const std::string whole = Bytes(*store, "log");
  const auto ends = RecordEnds(whole);
  ASSERT_EQ(ends.size(), records.size());
  for (size_t cut = 0; cut <= whole.size(); ++cut) {
    auto s = NewMemoryStore();
    Replace(*s, "log", whole.substr(0, cut));
    auto report = RecoverLog(s, "log", RecoveryMode::kPointInTime);
    ASSERT_TRUE(report.ok()) << "cut " << cut << ": " << report.status().ToString();
    if (cut < log::kHeaderRecordSize) {  // a torn header: cut to an empty log
      EXPECT_EQ(report->bytes_cut, cut);
      EXPECT_EQ(Bytes(*s, "log"), "");
    }
    size_t expect = 0;
    while (expect < ends.size() && ends[expect] <= cut) ++expect;
    Status st;
    auto got = ReadAll(s, "log", &st);
    ASSERT_TRUE(st.ok()) << "cut " << cut << ": " << st.ToString();
    ASSERT_EQ(got.size(), expect) << "cut " << cut;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].value, records[i]) << "cut " << cut << " record " << i;
      ASSERT_EQ(got[i].entry, i);
    }
    EXPECT_TRUE((*LogReader::Open(s, "log"))->Verify().ok()) << "cut " << cut;
    // The repaired log takes appends again, and keeps them.
    auto w = LogWriter::Open(s, "log", Small(compression));
    ASSERT_TRUE(w.ok()) << "cut " << cut << ": " << w.status().ToString();
    ASSERT_TRUE((*w)->Append("after").ok());
    ASSERT_TRUE((*w)->Close().ok());
    got = ReadAll(s, "log", &st);
    ASSERT_TRUE(st.ok());
    ASSERT_EQ(got.size(), expect + 1) << "cut " << cut;
    EXPECT_EQ(got.back().value, "after");
  }
}

TEST(LogRecoveryTest, TruncationAtEveryOffsetKeepsExactlyTheWholeRecords) {
  CheckTruncationAtEveryOffset(CompressionType::kNone);
}

TEST(LogRecoveryTest, TruncationAtEveryOffsetOfACompressedLogKeepsTheWholeBlocks) {
  CheckTruncationAtEveryOffset(CompressionType::kZstd);
}

void CheckEveryBitFlipIsDetected(CompressionType compression) {
  auto store = NewMemoryStore();
  const auto records = SmallLogRecords();
  WriteLog(store, "log", Small(compression), records);
  const std::string whole = Bytes(*store, "log");
  for (size_t i = 0; i < whole.size(); ++i) {
    std::string bad = whole;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    auto s = NewMemoryStore();
    Replace(*s, "log", bad);
    auto reader = LogReader::Open(s, "log");
    const bool detected = !reader.ok() || !(*reader)->Verify().ok();
    ASSERT_TRUE(detected) << "flip at byte " << i << " went unnoticed";
    // Whatever is still readable is never wrong.
    Status st;
    for (const ReadRecord& r : ReadAll(s, "log", &st)) {
      ASSERT_LT(r.entry, records.size());
      ASSERT_EQ(r.value, records[r.entry]) << "flip at byte " << i;
    }
    // Strict recovery refuses and changes nothing.
    EXPECT_FALSE(RecoverLog(s, "log", RecoveryMode::kStrict).ok()) << "flip at byte " << i;
    EXPECT_EQ(Bytes(*s, "log"), bad);
  }
}

TEST(LogRecoveryTest, EveryBitFlipIsDetected) {
  CheckEveryBitFlipIsDetected(CompressionType::kNone);
}

TEST(LogRecoveryTest, EveryBitFlipInACompressedLogIsDetected) {
  CheckEveryBitFlipIsDetected(CompressionType::kLz4);
}

// A log of 40 records of 200 bytes in 1 KiB blocks (4 records a block).
struct BlockLog {
  std::shared_ptr<ObjectStore> store = NewMemoryStore();
  std::vector<std::string> records;
  BlockLog() {
    for (int i = 0; i < 40; ++i) records.push_back(RandomBytes(200, i));
    WriteLog(store, "log", Small(), records);
  }
  // Flips a byte in the middle of block n.
  void DamageBlock(size_t n) {
    auto info = (*LogReader::Open(store, "log"))->info();
    std::string bytes = Bytes(*store, "log");
    bytes[info.blocks[n].offset + info.blocks[n].stored_size / 2] ^= 0x40;
    Replace(*store, "log", bytes);
  }
};

TEST(LogRecoveryTest, SkipDamagedLosesOnlyTheDamagedBlock) {
  BlockLog log;
  auto reader = *LogReader::Open(log.store, "log");
  const LogBlock damaged = reader->info().blocks[3];
  log.DamageBlock(3);
  auto report = RecoverLog(log.store, "log", RecoveryMode::kSkipDamaged);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->damage.size(), 1u) << report->ToString();
  Status st;
  auto got = ReadAll(log.store, "log", &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got.size(), log.records.size() - damaged.records);
  for (const ReadRecord& r : got) {
    EXPECT_EQ(r.value, log.records[r.entry]);
    EXPECT_FALSE(r.entry >= damaged.first_entry && r.entry < damaged.first_entry + damaged.records);
  }
  auto after = *LogReader::Open(log.store, "log");
  EXPECT_TRUE(after->info().sealed);
  EXPECT_TRUE(after->info().holes);
  EXPECT_TRUE(after->Verify().ok());
  // Appends continue after the last entry.
  auto w = *LogWriter::Open(log.store, "log", Small());
  EXPECT_EQ(w->next_entry(), log.records.size());
}

TEST(LogRecoveryTest, PointInTimeCutsAtTheFirstDamage) {
  BlockLog log;
  const LogBlock damaged = (*LogReader::Open(log.store, "log"))->info().blocks[3];
  log.DamageBlock(3);
  auto report = RecoverLog(log.store, "log", RecoveryMode::kPointInTime);
  ASSERT_TRUE(report.ok());
  EXPECT_GT(report->bytes_cut, 0u);
  auto got = ReadAll(log.store, "log");
  // The whole records of the damaged block before the damage stay; nothing after it.
  ASSERT_GE(got.size(), damaged.first_entry);
  ASSERT_LT(got.size(), damaged.first_entry + damaged.records);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].value, log.records[i]);
}

TEST(LogRecoveryTest, StrictRefusesDamageAndChangesNothing) {
  BlockLog log;
  log.DamageBlock(5);
  const std::string before = Bytes(*log.store, "log");
  auto report = RecoverLog(log.store, "log", RecoveryMode::kStrict);
  ASSERT_TRUE(report.status().IsCorruption());
  EXPECT_NE(report.status().message().find("offset"), std::string::npos);
  EXPECT_EQ(Bytes(*log.store, "log"), before);
}

TEST(LogRecoveryTest, SealedWholeLogNeedsNothing) {
  BlockLog log;
  auto report = RecoverLog(log.store, "log", RecoveryMode::kPointInTime);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->was_sealed);
  EXPECT_FALSE(report->changed);
}

TEST(LogRecoveryTest, WriterThatDiedIsRecoveredWhenTheLogIsReopened) {
  auto store = NewMemoryStore();
  const auto records = SmallLogRecords();
  WriteLog(store, "log", Small(), records, /*close=*/false);  // flushed, never closed
  std::string bytes = Bytes(*store, "log");
  Replace(*store, "log", bytes.substr(0, bytes.size() - 3));  // and torn
  auto w = LogWriter::Open(store, "log", Small());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const uint64_t next = (*w)->next_entry();
  EXPECT_EQ(next, records.size() - 1);  // the torn last record is gone
  ASSERT_TRUE((*w)->Append("new").ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto got = ReadAll(store, "log");
  ASSERT_EQ(got.size(), records.size());
  EXPECT_EQ(got.back().value, "new");
}

TEST(LogRecoveryTest, ShortWriteAtAnyAppendLeavesARecoverableLog) {
  const auto records = SmallLogRecords();
  for (uint64_t nth = 2; nth < 14; ++nth) {
    auto mem = NewMemoryStore();
    auto faulty =
        std::make_shared<FaultInjectingStore>(mem, FaultPlan{.ops = OpBit(StoreOp::kAppend),
                                                             .fail_nth = nth,
                                                             .kind = FaultKind::kShortWrite,
                                                             .retryable = false});
    {
      auto w = LogWriter::Open(faulty, "log", Small());
      if (!w.ok()) continue;  // the header itself was cut: never a log
      for (const auto& r : records) {
        if (!(*w)->Append(r).ok()) break;
        if (!(*w)->Flush().ok()) break;
      }
      EXPECT_FALSE((*w)->Close().ok()) << nth;
    }
    auto report = RecoverLog(mem, "log", RecoveryMode::kPointInTime);
    ASSERT_TRUE(report.ok()) << nth << ": " << report.status().ToString();
    Status st;
    auto got = ReadAll(mem, "log", &st);
    ASSERT_TRUE(st.ok());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].value, records[i]) << nth;
  }
}

// --- object per block ---

LogOptions PerBlock() {
  LogOptions o = Small();
  o.layout = LogLayout::kObjectPerBlock;
  return o;
}

// The object-per-block layout on the memory store and on a file store.
class ObjectPerBlockTest : public ::testing::TestWithParam<bool> {
 protected:
  std::shared_ptr<ObjectStore> NewStore() {
    if (!GetParam()) return NewMemoryStore();
    return *OpenFileStore(dir_.path());
  }
  basin::testing::TempDir dir_;
};

TEST_P(ObjectPerBlockTest, RecoveryReadsOnlyTails) {
  auto base = NewStore();
  std::vector<std::string> records;
  for (int i = 0; i < 60; ++i) records.push_back(RandomBytes(300, i));
  WriteLog(base, "log", PerBlock(), records, /*close=*/false);  // the writer "died"
  auto objects = *base->ListAll("log/");
  const size_t blocks = objects.size();
  ASSERT_GT(blocks, 10u);
  auto counting = std::make_shared<CountingStore>(base);
  auto report = RecoverLog(counting, "log", RecoveryMode::kPointInTime);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const StoreCounts c = counting->counts();
  // One header read of object 0, one trailer read per block object, nothing else.
  EXPECT_EQ(c[StoreOp::kGet].requests, blocks + 1);
  EXPECT_EQ(c[StoreOp::kGet].bytes_received, log::kHeaderRecordSize + blocks * log::kTrailerSize);
  EXPECT_EQ(c[StoreOp::kPut].requests, 1u);  // the new footer object
  auto got = ReadAll(base, "log");
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].value, records[i]);
}

TEST_P(ObjectPerBlockTest, SealedLogRoundTripsAndReopens) {
  auto store = NewStore();
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) records.push_back(RandomBytes(static_cast<size_t>(i * 97), i));
  LogOptions o = PerBlock();
  o.compression.type = CompressionType::kZstd;
  const auto addresses = WriteLog(store, "log", o, records);
  WriteLog(store, "log", o, {"appended"});
  auto reader = *LogReader::Open(store, "log");
  EXPECT_TRUE(reader->info().sealed);
  EXPECT_EQ(reader->info().layout, LogLayout::kObjectPerBlock);
  EXPECT_TRUE(reader->Verify().ok());
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(*reader->Get(addresses[i]), records[i]);
  EXPECT_EQ(ReadAll(store, "log").back().value, "appended");
}

INSTANTIATE_TEST_SUITE_P(Stores, ObjectPerBlockTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "FileStore" : "MemoryStore"; });

TEST(LogRecoveryTest, ObjectPerBlockDamageInTheModes) {
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) records.push_back(RandomBytes(300, i));
  for (RecoveryMode mode :
       {RecoveryMode::kStrict, RecoveryMode::kPointInTime, RecoveryMode::kSkipDamaged}) {
    auto mem = NewMemoryStore();
    WriteLog(mem, "log", PerBlock(), records, /*close=*/false);
    const std::string victim = "log/b0000000000000004";
    std::string bytes = *mem->Get(victim);
    bytes[bytes.size() - 3] ^= 1;  // its trailer
    ASSERT_TRUE(mem->Put(victim, bytes).ok());
    auto report = RecoverLog(mem, "log", mode);
    if (mode == RecoveryMode::kStrict) {
      EXPECT_TRUE(report.status().IsCorruption());
      continue;
    }
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    auto got = ReadAll(mem, "log");
    for (const auto& r : got) EXPECT_EQ(r.value, records[r.entry]);
    const size_t before = got.empty() ? 0 : got.front().entry;
    EXPECT_EQ(before, 0u);
    if (mode == RecoveryMode::kPointInTime) {
      EXPECT_LE(got.size(), 4 * 3u + 3);  // blocks 0-3 only
      EXPECT_TRUE(mem->Head(victim).status().IsNotFound());
    } else {
      EXPECT_GT(got.back().entry, 30u);  // the blocks after the damaged one are kept
    }
    EXPECT_TRUE((*LogReader::Open(mem, "log"))->Verify().ok());
    auto w = LogWriter::Open(mem, "log", PerBlock());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Append("more").ok());
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_EQ(ReadAll(mem, "log").back().value, "more");
  }
}

TEST(LogRecoveryTest, BitFlipInABlockObjectIsFoundByVerify) {
  auto mem = NewMemoryStore();
  std::vector<std::string> records;
  for (int i = 0; i < 20; ++i) records.push_back(RandomBytes(300, i));
  WriteLog(mem, "log", PerBlock(), records);
  const std::string victim = "log/b0000000000000002";
  const std::string good = *mem->Get(victim);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x08;
    ASSERT_TRUE(mem->Put(victim, bad).ok());
    auto reader = LogReader::Open(mem, "log");
    EXPECT_TRUE(!reader.ok() || !(*reader)->Verify().ok()) << "byte " << i;
  }
}

}  // namespace
}  // namespace basin
