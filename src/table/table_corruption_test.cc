// Damaged tables: a flipped byte in each section, and sections rewritten with correct
// checksums but wrong contents. Each is refused with Corruption naming the section.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "basin/file_store.h"
#include "basin/memory_store.h"
#include "basin/table.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "table/meta_block.h"
#include "table/table_format.h"
#include "table/table_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using table::PartitionHandle;
using testing::KV;

struct Built {
  KV kv;
  std::string bytes;
  std::vector<PartitionHandle> partitions;
};

// A partitioned table of 20,000 ids (about 20 partitions).
Built BuildPartitioned() {
  Built b;
  b.kv = testing::RandomIds(20000);
  TableOptions o;
  o.partition_size = 2048;
  auto store = NewMemoryStore();
  EXPECT_TRUE(testing::Build(store, "t", b.kv, o).ok());
  b.bytes = *store->Get("t");
  const table::Footer f = testing::FooterOf(b.bytes);
  auto meta =
      table::MetaBlock::Decode(testing::BlockContents(b.bytes, f.meta_offset(), f.meta_size));
  auto top = *table::Block::Parse(meta->index, "top");
  table::BlockIter it(top.get());
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view v = it.value();
    b.partitions.emplace_back();
    b.partitions.back().DecodeFrom(&v);
  }
  EXPECT_GT(b.partitions.size(), 5u);
  return b;
}

// Opens the bytes, looks every key up and verifies; the first error.
Status ReadAll(const std::string& bytes, const KV& kv) {
  auto store = NewMemoryStore();
  BASIN_RETURN_IF_ERROR(store->Put("t", bytes));
  auto r = *TableReader::Open(store, "t");
  BASIN_RETURN_IF_ERROR(r->FetchAndLoadMetadata().status());
  for (const auto& [k, v] : kv) {
    std::string got;
    BASIN_RETURN_IF_ERROR(r->GetRow(k, &got));
    if (got != v) return Status::InvalidArgument("a wrong value");
  }
  return r->Verify();
}

void ExpectCorruption(const Status& s, std::string_view says) {
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(says), std::string::npos) << s.message();
}

TEST(TableCorruptionTest, AFlippedByteInEachSectionIsCorruptionNamingIt) {
  const Built b = BuildPartitioned();
  const table::Footer f = testing::FooterOf(b.bytes);
  const PartitionHandle& p = b.partitions[3];
  const struct {
    uint64_t at;
    std::string says;
  } cases[] = {
      {b.bytes.size() - 40, "footer checksum mismatch"},
      {f.meta_offset() + f.meta_size / 2, "meta block: checksum mismatch"},
      {p.offset + 10, fmt::format("filter partition at offset {}: checksum", p.offset)},
      {p.index().offset + 10,
       fmt::format("index partition at offset {}: checksum", p.index().offset)},
      {p.data.offset + 10, fmt::format("data block at offset {}: checksum", p.data.offset)},
  };
  for (const auto& c : cases) {
    std::string bad = b.bytes;
    bad[c.at] ^= 0x10;
    ExpectCorruption(ReadAll(bad, b.kv), c.says);
  }
  // A single-level table's filter block.
  auto store = NewMemoryStore();
  ASSERT_OK(testing::Build(store, "t", {{"a", "1"}}));
  std::string small = *store->Get("t");
  small[testing::FooterOf(small).filter_offset() + 3] ^= 1;
  ExpectCorruption(ReadAll(small, {}), "filter block: checksum mismatch");
}

// A mapped table's data blocks are checked once and then used where they lie: a damaged
// block must fail its check every time, never become "checked".
TEST(TableCorruptionTest, ADamagedBlockOfAMappedTableFailsEveryLookup) {
  for (uint32_t partition_size : {16384u, 2048u}) {
    KV kv = testing::RandomIds(5000);
    TableOptions o;
    o.partition_size = partition_size;
    auto mem = NewMemoryStore();
    ASSERT_OK(testing::Build(mem, "t", kv, o));
    std::string bytes = *mem->Get("t");
    bytes[100] ^= 1;  // in the first data block
    basin::testing::TempDir dir;
    auto files = *OpenFileStore(dir.path());
    ASSERT_OK(files->Put("t", bytes));
    auto r = *TableReader::Open(files, "t", o);
    for (int i = 0; i < 3; ++i) {
      std::string v;
      ExpectCorruption(r->GetRow(kv.begin()->first, &v), "data block at offset 0: checksum");
    }
    std::string v;  // other blocks are fine
    EXPECT_OK(r->GetRow(kv.rbegin()->first, &v));
  }
}

TEST(TableCorruptionTest, ATopLevelEntryOutOfPlaceIsRefusedAtOpen) {
  const Built b = BuildPartitioned();
  const table::Footer f = testing::FooterOf(b.bytes);
  auto meta =
      *table::MetaBlock::Decode(testing::BlockContents(b.bytes, f.meta_offset(), f.meta_size));
  auto top = *table::Block::Parse(meta.index, "top");
  table::BlockBuilder rebuilt(1);
  table::BlockIter it(top.get());
  int n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    PartitionHandle p = b.partitions[n];
    if (n == 2) p.offset += 1;  // not where partition 1 ends
    std::string v;
    p.EncodeTo(&v);
    rebuilt.Add(it.key(), v);
  }
  meta.index.assign(rebuilt.Finish());
  std::string bad = b.bytes;
  testing::ReplaceMeta(&bad, meta.Encode());
  ExpectCorruption(ReadAll(bad, b.kv), "top-level index: partition 2 is out of place");
}

TEST(TableCorruptionTest, AnIndexPartitionNamingTheWrongBlocksIsRefused) {
  const Built b = BuildPartitioned();
  const PartitionHandle& p = b.partitions[4];
  std::string contents = testing::BlockContents(b.bytes, p.index().offset, p.index_size);
  // Entry 0: shared 0, unshared n, value length, the key, then the handle's offset.
  const size_t offset_at = 3 + static_cast<uint8_t>(contents[1]);
  ASSERT_NE(static_cast<uint8_t>(contents[offset_at]) & 0x7f, 0x7f);
  contents[offset_at] = static_cast<char>(contents[offset_at] + 1);
  std::string bad = b.bytes;
  testing::ReplaceBlock(&bad, p.index().offset, p.index_size, contents);  // same size
  ExpectCorruption(
      ReadAll(bad, b.kv),
      fmt::format("index partition at offset {}: entry 0 is out of place", p.index().offset));
}

TEST(TableCorruptionTest, AFilterThatLosesKeysIsFoundByVerify) {
  const Built b = BuildPartitioned();
  const PartitionHandle& p = b.partitions[1];
  std::string contents = testing::BlockContents(b.bytes, p.offset, p.filter_size);
  std::fill(contents.begin(), contents.end() - table::kFilterSuffixSize, '\0');
  std::string bad = b.bytes;
  testing::ReplaceBlock(&bad, p.offset, p.filter_size, contents);
  auto store = NewMemoryStore();
  ASSERT_OK(store->Put("t", bad));
  auto r = *TableReader::Open(store, "t");
  ExpectCorruption(r->Verify(), "a key is missing from the filter");
}

TEST(TableCorruptionTest, PropertiesThatContradictTheTableAreRefused) {
  auto store = NewMemoryStore();
  ASSERT_OK(testing::Build(store, "t", {{"a", "1"}, {"b", "2"}}));
  const std::string good = *store->Get("t");
  const table::Footer f = testing::FooterOf(good);
  const auto meta =
      *table::MetaBlock::Decode(testing::BlockContents(good, f.meta_offset(), f.meta_size));
  auto with = [&](auto change) {
    table::MetaBlock m = meta;
    change(m);
    std::string bad = good;
    testing::ReplaceMeta(&bad, m.Encode());
    return ReadAll(bad, {});
  };
  ExpectCorruption(with([](table::MetaBlock& m) { m.data_blocks = 2; }),
                   "lists 1 data blocks; the properties say 2");
  ExpectCorruption(with([](table::MetaBlock& m) {
                     m.index_levels = table::kTwoLevelIndex;
                     m.partitions = 2;
                   }),
                   "a 2-level index, but the footer gives 0 bytes of partitions");
  ExpectCorruption(with([](table::MetaBlock& m) { m.entries = 5; }),
                   "2 entries in 1 data blocks found, the properties say 5 in 1");
}

}  // namespace
}  // namespace basin
