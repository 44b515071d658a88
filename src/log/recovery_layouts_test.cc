// Recovery sees what Verify sees, in every layout: one byte flipped inside a block's body
// (its trailer intact) is found by Verify, refused by strict recovery, cut at by
// point-in-time recovery and dropped alone by skip-damaged recovery, whether the log is one
// object, one object per block, or a segment directory of either.
#include <gtest/gtest.h>

#include "basin/log_directory.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;

struct Layout {
  const char* name;
  LogLayout layout;
  bool directory;
};

constexpr int kRecords = 60;  // 300-byte records, 3 to a 1 KiB block: 20 blocks

std::string Record(int i) { return RandomBytes(300, 1000 + i); }

LogOptions Options(LogLayout layout) {
  LogOptions o;
  o.block_size = 1024;
  o.layout = layout;
  return o;
}

class RecoveryLayoutsTest : public ::testing::TestWithParam<Layout> {
 protected:
  // The block file that holds block 5 (the directory's first segment).
  std::string FileKey() const {
    return GetParam().directory ? LogSegmentKey("log", 0) : std::string("log");
  }

  void SetUp() override {
    if (GetParam().directory) {
      LogDirectoryOptions d;
      d.log = Options(GetParam().layout);
      d.max_segment_bytes = 16 << 10;  // two segments or more
      auto w = *LogDirectoryWriter::Open(store_, "log", d);
      for (int i = 0; i < kRecords; ++i) ASSERT_OK(w->Append(Record(i)));
      ASSERT_OK(w->Close());
    } else {
      basin::testing::WriteLog(store_, "log", Options(GetParam().layout), Records());
    }
    block5_ = (*LogReader::Open(store_, FileKey()))->info().blocks[5];
    if (GetParam().directory) {
      auto dir = *LogDirectoryReader::Open(store_, "log", {});
      ASSERT_GE(dir->segments().size(), 2u);
      next_segment_first_ = dir->SegmentInfo(dir->segments()[1])->first_entry;
      ASSERT_GT(next_segment_first_, block5_.first_entry + block5_.records);
    }
    ASSERT_EQ(block5_.number, 5u);
    ASSERT_EQ(block5_.records, 3u);
  }

  static std::vector<std::string> Records() {
    std::vector<std::string> r;
    for (int i = 0; i < kRecords; ++i) r.push_back(Record(i));
    return r;
  }

  // Flips one byte in the middle of block 5's records, away from its trailer.
  void DamageBlock5() {
    const bool per_block = GetParam().layout == LogLayout::kObjectPerBlock;
    const std::string object = per_block ? FileKey() + "/b0000000000000005" : FileKey();
    std::string bytes = *store_->Get(object);
    bytes[(per_block ? 0 : block5_.offset) + 100] ^= 0x10;
    ASSERT_OK(store_->Put(object, bytes));
  }

  Status VerifyAll() {
    if (GetParam().directory) {
      auto r = LogDirectoryReader::Open(store_, "log", {});
      return r.ok() ? (*r)->Verify().status() : r.status();
    }
    auto r = LogReader::Open(store_, "log");
    return r.ok() ? (*r)->Verify().status() : r.status();
  }

  // Entry ids of every record read, in order; the iteration's status in *status.
  std::vector<uint64_t> ReadIds(Status* status) {
    std::vector<uint64_t> ids;
    std::unique_ptr<LogDirectoryReader> dir;
    std::unique_ptr<LogReader> file;
    if (GetParam().directory) {
      dir = *LogDirectoryReader::Open(store_, "log", {});
    } else {
      file = *LogReader::Open(store_, "log");
    }
    auto it = dir ? dir->NewIterator() : file->NewIterator();
    while (it->Next()) {
      EXPECT_EQ(it->value(), Record(static_cast<int>(it->entry_id())));
      ids.push_back(it->entry_id());
    }
    *status = it->status();
    return ids;
  }

  // The entry ids of every record but those in [from, to).
  static std::vector<uint64_t> AllBut(uint64_t from, uint64_t to) {
    std::vector<uint64_t> ids;
    for (uint64_t i = 0; i < kRecords; ++i) {
      if (i < from || i >= to) ids.push_back(i);
    }
    return ids;
  }

  std::shared_ptr<ObjectStore> store_ = NewMemoryStore();
  LogBlock block5_;
  uint64_t next_segment_first_ = kRecords;  // entry id of the second segment's first record
};

TEST_P(RecoveryLayoutsTest, VerifyFindsABodyFlipAndStrictRecoveryRefusesIt) {
  DamageBlock5();
  const Status verify = VerifyAll();
  EXPECT_TRUE(verify.IsCorruption()) << verify.ToString();
  auto report = RecoverLog(store_, "log", RecoveryMode::kStrict);
  EXPECT_TRUE(report.status().IsCorruption()) << report.status().ToString();
  EXPECT_TRUE(VerifyAll().IsCorruption());  // strict changed nothing
}

TEST_P(RecoveryLayoutsTest, SkipDamagedDropsOnlyTheBlockWhoseBodyIsDamaged) {
  DamageBlock5();
  auto report = RecoverLog(store_, "log", RecoveryMode::kSkipDamaged);
  ASSERT_OK(report);
  EXPECT_FALSE(report->was_sealed) << report->ToString();
  ASSERT_EQ(report->damage.size(), 1u) << report->ToString();
  EXPECT_TRUE(report->contents_checked);
  EXPECT_OK(VerifyAll());
  Status st;
  const auto ids = ReadIds(&st);
  ASSERT_OK(st);
  EXPECT_EQ(ids, AllBut(block5_.first_entry, block5_.first_entry + block5_.records));
  // Safe to run again: nothing more to do.
  auto again = RecoverLog(store_, "log", RecoveryMode::kSkipDamaged);
  ASSERT_OK(again);
  EXPECT_TRUE(again->was_sealed) << again->ToString();
}

TEST_P(RecoveryLayoutsTest, PointInTimeCutsAtABodyFlip) {
  DamageBlock5();
  auto report = RecoverLog(store_, "log", RecoveryMode::kPointInTime);
  ASSERT_OK(report);
  ASSERT_EQ(report->damage.size(), 1u) << report->ToString();
  EXPECT_OK(VerifyAll());
  Status st;
  const auto ids = ReadIds(&st);
  ASSERT_OK(st);
  // The file holding block 5 (the first segment) ends before it; later segments stay.
  EXPECT_EQ(ids, AllBut(block5_.first_entry, next_segment_first_));
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, RecoveryLayoutsTest,
    ::testing::Values(Layout{"SingleObject", LogLayout::kSingleObject, false},
                      Layout{"ObjectPerBlock", LogLayout::kObjectPerBlock, false},
                      Layout{"DirectoryOfSingleObjects", LogLayout::kSingleObject, true},
                      Layout{"DirectoryOfObjectPerBlock", LogLayout::kObjectPerBlock, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace basin
