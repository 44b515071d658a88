// The frozen format: versions, tagged properties, partitioned index and filter, and what
// a reader says about each damaged section.
#include <gtest/gtest.h>

#include "basin/counting_store.h"
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

using table::MetaBlock;
using testing::KV;
using testing::Unhex;

// `printf 'apple\t1\napricot\t2\n' | basin table build ex.tbl` with the format of before
// the freeze (version 1), as docs/format/table.md showed it.
constexpr std::string_view kVersion1Table =
    "0005016170706c65310205017269636f7432000000000100000000f760dfc315cf4606000000000000000000"
    "000000001000010020000000000010000100000000000000000000040000000020000010000000000000400000"
    "000010000101000000000100000006010010efdc39cf192bec0102010c0200108cca444c213e2d9fa14d5f3a"
    "bae1e333056170706c650761707269636f740e00010262002300000000010000000043385c624545862c72000000"
    "000000003d0000000000000023000000000000004f00000000000000010000009dac0032626173696e74626c";

Status OpenBytes(const std::string& bytes, const TableOptions& o = {}) {
  auto store = NewMemoryStore();
  BASIN_RETURN_IF_ERROR(store->Put("t", bytes));
  auto r = *TableReader::Open(store, "t", o);
  BASIN_RETURN_IF_ERROR(r->FetchAndLoadMetadata().status());
  return r->Verify();
}

std::string BuildBytes(const KV& kv, const TableOptions& o = {}) {
  auto store = NewMemoryStore();
  EXPECT_TRUE(testing::Build(store, "t", kv, o).ok());
  return *store->Get("t");
}

TEST(TableFormatTest, AVersion1TableIsRefusedNamingItsVersion) {
  const std::string v1 = Unhex(kVersion1Table);
  ASSERT_EQ(v1.size(), 223u);
  const Status s = OpenBytes(v1);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("table format version 1"), std::string::npos) << s.message();
}

TEST(TableFormatTest, ANewerVersionIsRefusedNamingItsVersion) {
  std::string t = BuildBytes({{"a", "1"}});
  EncodeFixed32(t.data() + t.size() - table::kFooterSize + table::kFooterVersionOffset, 3);
  testing::FixFooter(&t);
  const Status s = OpenBytes(t);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("version 3"), std::string::npos) << s.message();
}

MetaBlock SampleMeta() {
  MetaBlock m;
  m.entries = 7;
  m.data_blocks = 1;
  m.first_key = "a";
  m.last_key = "g";
  m.file_id[0] = 9;
  m.index_levels = table::kSingleLevelIndex;
  m.index = "index bytes";
  m.filter_fp_ppb = 9700000;
  m.filter_bytes = 1234;
  return m;
}

void PutField(std::string* s, uint32_t tag, std::string_view v) {
  PutVarint32(s, tag);
  PutLengthPrefixed(s, v);
}

TEST(TableFormatTest, MetaFieldsRoundTripAndUnknownOnesAreSkippedOrRefused) {
  const std::string enc = SampleMeta().Encode();
  auto back = MetaBlock::Decode(enc);
  ASSERT_OK(back.status());
  EXPECT_EQ(back->entries, 7u);
  EXPECT_EQ(back->last_key, "g");
  EXPECT_EQ(back->file_id[0], 9);
  EXPECT_EQ(back->index, "index bytes");
  EXPECT_EQ(back->filter_fp_ppb, 9700000u);
  EXPECT_EQ(back->filter_bytes, 1234u);
  // A property added later, that readers may ignore: skipped.
  std::string later = enc;
  PutField(&later, 100 << 1, "whatever it means");
  EXPECT_OK(MetaBlock::Decode(later).status());
  // One readers must understand: refused, naming it.
  std::string must = enc;
  PutField(&must, 100 << 1 | 1, "x");
  const Status s = MetaBlock::Decode(must).status();
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("201"), std::string::npos) << s.message();
}

TEST(TableFormatTest, MalformedMetaFieldsAreCorruptionNamingTheField) {
  const std::string enc = SampleMeta().Encode();
  auto expect = [](const std::string& bytes, std::string_view says) {
    const Status s = MetaBlock::Decode(bytes).status();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(says), std::string::npos) << s.message();
  };
  // Cuts before the optional fields at the end leave a valid block; every other cut is
  // Corruption.
  MetaBlock fewer = SampleMeta();
  fewer.filter_bytes = 0;
  const size_t without_last = fewer.Encode().size();
  fewer.filter_fp_ppb.reset();
  const size_t without_two = fewer.Encode().size();
  for (size_t cut = 1; cut < enc.size(); ++cut) {
    if (cut != without_last && cut != without_two &&
        !MetaBlock::Decode(enc.substr(0, cut)).status().IsCorruption()) {
      ADD_FAILURE() << "cut at " << cut << " accepted";
    }
  }
  std::string twice = enc;
  PutField(&twice, table::kTagEntries, "\x01");
  expect(twice, "entries (2) appears twice");
  std::string m;
  PutField(&m, table::kTagEntries, "\x01\x02");  // a varint and a stray byte
  expect(m, "entries (2) is not one varint");
  m.clear();
  PutField(&m, table::kTagFileId, "short");
  expect(m, "file_id (19) is not 16 bytes");
  m.clear();
  PutField(&m, table::kTagIndexLevels, "\x03");
  expect(m, "index_levels (21) gives 3 levels");
  m.clear();
  PutField(&m, table::kTagCompression, "\x09");
  expect(m, "compression (10) is not a known compression");
  const std::string all = SampleMeta().Encode();
  std::string without;
  for (std::string_view rest = all; !rest.empty();) {  // drop the index field
    uint32_t tag;
    std::string_view v;
    GetVarint32(&rest, &tag);
    GetLengthPrefixed(&rest, &v);
    if (tag != table::kTagIndex) PutField(&without, tag, v);
  }
  expect(without, "index (23) is missing");
}

TEST(TableFormatTest, ATableWithALaterPropertyStillReads) {
  std::string t = BuildBytes({{"a", "1"}, {"b", "2"}});
  const table::Footer f = testing::FooterOf(t);
  std::string meta = testing::BlockContents(t, f.meta_offset(), f.meta_size);
  std::string later = meta;
  PutField(&later, 100 << 1, "a property of a later basin");
  testing::ReplaceMeta(&t, later);
  EXPECT_OK(OpenBytes(t));
  std::string must = meta;
  PutField(&must, 100 << 1 | 1, "a feature this basin lacks");
  std::string t2 = BuildBytes({{"a", "1"}});
  testing::ReplaceMeta(&t2, must);
  EXPECT_TRUE(OpenBytes(t2).IsNotSupported());
}

// 100,000 ids: filter and index in many partitions.
TableOptions Partitioned() {
  TableOptions o;
  o.block_cache = std::make_shared<BlockCache>(16 << 20);
  return o;
}

TEST(TableFormatTest, ALargeTableOpensWithOneSmallReadAndHoldsLittle) {
  auto mem = NewMemoryStore();
  const KV kv = testing::RandomIds(100000);
  TableOptions o = Partitioned();
  ASSERT_OK(testing::Build(mem, "t", kv, o));
  auto counting = std::make_shared<CountingStore>(mem);
  auto r = *TableReader::Open(counting, "t", o);
  ASSERT_OK(r->FetchAndLoadMetadata().status());
  const StoreCounts c = counting->counts();
  EXPECT_EQ(c.total_requests(), 1u) << c.ToString();
  EXPECT_LE(c.total_bytes_received(), table::kSuffixProbe);
  const TableProperties p = *r->Properties();
  EXPECT_GE(p.partitions, 5u);
  EXPECT_NEAR(p.filter_bytes, kv.size() * 10 / 8, kv.size() / 8);
  EXPECT_LT(p.metadata_memory * 10, p.filter_bytes) << p.metadata_memory;
  EXPECT_NEAR(p.filter_fp_estimate, 0.0097, 0.002);
  // A lookup reads its partition (filter and index in one read) and its data block once;
  // later lookups in the same partition and block come from the cache.
  auto mid = std::next(kv.begin(), 50000);
  std::string v;
  counting->Reset();
  ASSERT_OK(r->GetRow(mid->first, &v));
  EXPECT_EQ(v, mid->second);
  const uint64_t first = counting->counts()[StoreOp::kGet].requests;
  EXPECT_EQ(first, 2u);
  ASSERT_OK(r->GetRow(std::next(mid)->first, &v));
  EXPECT_EQ(counting->counts()[StoreOp::kGet].requests, first);  // all from the cache
  int found = 0;
  for (const auto& [k, value] : testing::RandomIds(20000, 99)) {
    found += r->GetRow(k, &v).ok();
  }
  EXPECT_EQ(found, 0);
  EXPECT_OK(r->Verify());
}

// A reader given metadata and finding every partition in a warm cache must still open
// its own file before it reads a data block.
TEST(TableFormatTest, AReaderWithSharedMetadataAndAWarmCacheReadsItsOwnFile) {
  basin::testing::TempDir dir;
  auto store = *OpenFileStore(dir.path());  // mapped: partitions remember their mapping
  const KV kv = testing::RandomIds(30000);
  TableOptions o = Partitioned();
  ASSERT_OK(testing::Build(store, "t", kv, o));
  auto first = *TableReader::Open(store, "t", o);
  for (const auto& [k, v] : kv) {
    std::string got;
    ASSERT_OK(first->GetRow(k, &got));
  }
  auto second = *TableReader::Open(store, "t", o);
  second->LoadCachedMetadata(*first->FetchAndLoadMetadata());
  for (const auto& [k, v] : kv) {
    std::string got;
    ASSERT_OK(second->GetRow(k, &got));
    ASSERT_EQ(got, v);
  }
}

// Keys that share long prefixes, differ in length, or sit between, before and after the
// separators: every lookup finds its partition.
TEST(TableFormatTest, LookupsFindTheirPartitionWhateverTheKeysShare) {
  KV kv;
  for (int i = 0; i < 3000; ++i) {
    const std::string n = std::to_string(i * 7);
    kv["common/prefix/" + n] = n;
    kv["common/prefix/" + n + std::string(1, '\0')] = n + "z";
    kv[std::string(i % 13, '\xff') + n] = n + "f";
  }
  kv[""] = "empty";
  auto store = NewMemoryStore();
  TableOptions o;
  o.partition_size = 256;
  o.block_size = 256;
  ASSERT_OK(testing::Build(store, "t", kv, o));
  auto r = *TableReader::Open(store, "t", o);
  ASSERT_GT(r->Properties()->partitions, 20u);
  std::vector<std::string> probes = {
      "", "\x01", "common", "common/prefix/", "zzz", std::string(20, '\xff')};
  for (const auto& [k, v] : kv) {
    probes.push_back(k);
    probes.push_back(k + "\x80");
    if (!k.empty()) probes.push_back(k.substr(0, k.size() - 1));
  }
  for (const std::string& k : probes) {
    std::string got;
    const Status s = r->GetRow(k, &got);
    auto want = kv.find(k);
    if (want == kv.end()) {
      ASSERT_TRUE(s.IsNotFound()) << k << ": " << s.ToString();
    } else {
      ASSERT_OK(s);
      ASSERT_EQ(got, want->second);
    }
  }
}

TEST(TableFormatTest, PartitionedTablesWithoutAFilter) {
  auto store = NewMemoryStore();
  const KV kv = testing::RandomIds(20000);
  TableOptions o = Partitioned();
  o.bloom_bits_per_key = 0;
  o.partition_size = 1024;
  ASSERT_OK(testing::Build(store, "t", kv, o));
  auto r = *TableReader::Open(store, "t", o);
  EXPECT_GT(r->Properties()->partitions, 1u);
  EXPECT_EQ(r->Properties()->filter_bytes, 0u);
  size_t i = 0;
  for (const auto& [k, value] : kv) {
    if (i++ % 97 != 0) continue;
    std::string v;
    ASSERT_OK(r->GetRow(k, &v));
    EXPECT_EQ(v, value);
  }
  EXPECT_OK(r->Verify());
}

}  // namespace
}  // namespace basin
