#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "basin/counting_store.h"
#include "basin/fault_injecting_store.h"
#include "basin/file_store.h"
#include "basin/memory_store.h"
#include "basin/table.h"
#include "test_util.h"

namespace basin {
namespace {

using KV = std::map<std::string, std::string>;

Status Build(std::shared_ptr<ObjectStore> store, const std::string& key, const KV& kv,
             const TableOptions& o = {}) {
  auto b = TableBuilder::Open(store, key, o);
  if (!b.ok()) return b.status();
  for (const auto& [k, v] : kv) BASIN_RETURN_IF_ERROR((*b)->Add(k, v));
  return (*b)->Finish();
}

std::vector<std::pair<std::string, std::string>> Forward(TableIterator& it) {
  std::vector<std::pair<std::string, std::string>> out;
  for (it.SeekToFirst(); it.Valid(); it.Next()) out.emplace_back(it.key(), it.value());
  return out;
}

std::vector<std::pair<std::string, std::string>> Backward(TableIterator& it) {
  std::vector<std::pair<std::string, std::string>> out;
  for (it.SeekToLast(); it.Valid(); it.Prev()) out.emplace_back(it.key(), it.value());
  std::reverse(out.begin(), out.end());
  return out;
}

// Keys of a chosen flavour: binary with zeros, long shared prefixes, or short.
rc::Gen<std::string> KeyGen() {
  return rc::gen::oneOf(
      rc::gen::container<std::string>(rc::gen::inRange<char>(0, 4)),  // zeros, tiny alphabet
      rc::gen::map(rc::gen::container<std::string>(rc::gen::arbitrary<char>()),
                   [](std::string s) { return std::string(40, 'p') + s; }),  // shared prefixes
      rc::gen::container<std::string>(rc::gen::arbitrary<char>()));
}

RC_GTEST_PROP(TableProp, AnyKeysAnyBlockSizeAnyCompressionReadBack, ()) {
  const auto kv = *rc::gen::container<KV>(
      KeyGen(), rc::gen::container<std::string>(rc::gen::arbitrary<char>()));
  TableOptions o;
  o.block_size = *rc::gen::element<uint32_t>(256, 1024, 4096, 16384);
  o.compression.type =
      *rc::gen::element(CompressionType::kNone, CompressionType::kLz4, CompressionType::kZstd);
  o.restart_interval = *rc::gen::element(1, 2, 16);
  o.bloom_bits_per_key = *rc::gen::element(0, 10);
  o.partition_size = *rc::gen::element<uint32_t>(256, 16384);  // partitioned, single-level
  if (*rc::gen::arbitrary<bool>()) o.block_cache = std::make_shared<BlockCache>(1 << 20);
  auto store = NewMemoryStore();
  RC_ASSERT(Build(store, "t", kv, o).ok());
  auto r = *TableReader::Open(store, "t", o);
  for (const auto& [k, v] : kv) {
    std::string got;
    RC_ASSERT(r->GetRow(k, &got).ok());
    RC_ASSERT(got == v);
  }
  const std::vector<std::pair<std::string, std::string>> want(kv.begin(), kv.end());
  auto it = r->NewIterator();
  RC_ASSERT(Forward(*it) == want);
  RC_ASSERT(Backward(*it) == want);
  RC_ASSERT(it->status().ok());
  // Seek lands on the first key >= target: before, between, at and after all keys.
  const auto targets = *rc::gen::container<std::vector<std::string>>(KeyGen());
  for (const std::string& t : targets) {
    it->Seek(t);
    auto lb = kv.lower_bound(t);
    if (lb == kv.end()) {
      RC_ASSERT(!it->Valid());
    } else {
      RC_ASSERT(it->Valid());
      RC_ASSERT(it->key() == lb->first);
    }
    std::string got;
    const Status s = r->GetRow(t, &got);
    const bool as_expected = kv.contains(t) ? s.ok() : s.IsNotFound();
    RC_ASSERT(as_expected);
    // A range [t, upper) matches the model.
    const std::string upper = t + "\x80";
    std::vector<std::pair<std::string, std::string>> range, model;
    RC_ASSERT(r->GetRange(t, upper, [&](std::string_view k, std::string_view v) {
                 range.emplace_back(k, v);
                 return true;
               }).ok());
    for (auto m = kv.lower_bound(t); m != kv.end() && m->first < upper; ++m) model.push_back(*m);
    RC_ASSERT(range == model);
  }
  RC_ASSERT(r->Verify().ok());
}

TEST(TableTest, AMillionKeysReadBack) {
  auto store = NewMemoryStore();
  TableOptions o;
  o.compression.type = CompressionType::kLz4;
  {
    auto b = *TableBuilder::Open(store, "big", o);
    char key[17];
    for (int i = 0; i < 1000000; ++i) {
      std::snprintf(key, sizeof key, "%016d", i);
      ASSERT_TRUE(b->Add(key, std::to_string(i)).ok());
    }
    ASSERT_TRUE(b->Finish().ok());
  }
  auto r = *TableReader::Open(store, "big", o);
  auto it = r->NewIterator();
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, 1000000);
  for (int i = 0; i < 1000000; i += 9973) {
    char key[17];
    std::snprintf(key, sizeof key, "%016d", i);
    std::string v;
    ASSERT_TRUE(r->GetRow(key, &v).ok()) << key;
    EXPECT_EQ(v, std::to_string(i));
  }
  auto props = *r->Properties();
  EXPECT_EQ(props.entries, 1000000u);
  EXPECT_EQ(props.first_key, "0000000000000000");
  EXPECT_EQ(props.last_key, "0000000000999999");
}

// Compressed builds write blocks from a pipeline of threads: a store that fails part way
// must surface as an error from Add or Finish, and leave no table behind.
TEST(TableTest, AStoreFailingMidBuildIsReportedAndLeavesNoTable) {
  for (CompressionType c : {CompressionType::kNone, CompressionType::kZstd}) {
    for (uint64_t nth : {1, 2, 7, 40, 300}) {
      auto base = NewMemoryStore();
      FaultPlan plan;
      plan.ops = OpBit(StoreOp::kWrite);
      plan.fail_nth = nth;
      auto store = std::make_shared<FaultInjectingStore>(base, plan);
      TableOptions o;
      o.compression.type = c;
      o.block_size = 1024;
      auto b = TableBuilder::Open(store, "t", o);  // the first write call: NewWriter
      Status s = b.status();
      char key[17];
      for (int i = 0; i < 50000 && s.ok(); ++i) {
        std::snprintf(key, sizeof key, "%016d", i);
        s = (*b)->Add(key, std::string(20, static_cast<char>('a' + i % 26)));
      }
      if (s.ok()) s = (*b)->Finish();
      EXPECT_TRUE(s.IsIOError()) << "write " << nth << ": " << s.ToString();
      EXPECT_TRUE(base->Head("t").status().IsNotFound()) << "write " << nth;
    }
  }
}

TEST(TableTest, KeysOutOfOrderAreRefusedWithTheirPosition) {
  auto b = *TableBuilder::Open(NewMemoryStore(), "t");
  ASSERT_TRUE(b->Add("b", "1").ok());
  Status s = b->Add("a", "2");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("key 1 ('a')"), std::string::npos) << s.message();
  EXPECT_FALSE(b->Finish().ok());  // sticky
  auto d = *TableBuilder::Open(NewMemoryStore(), "t");
  ASSERT_TRUE(d->Add("same", "1").ok());
  EXPECT_TRUE(d->Add("same", "2").IsInvalidArgument());  // duplicates too
}

TEST(TableTest, LimitsAreEnforced) {
  TableOptions o;
  o.max_key_size = 8;
  o.max_value_size = 16;
  auto b = *TableBuilder::Open(NewMemoryStore(), "t", o);
  EXPECT_TRUE(b->Add("123456789", "v").IsInvalidArgument());
  auto c = *TableBuilder::Open(NewMemoryStore(), "t", o);
  EXPECT_TRUE(c->Add("k", std::string(17, 'v')).IsInvalidArgument());
  o.max_key_size = 70000;  // beyond the format's 65535
  EXPECT_TRUE(TableBuilder::Open(NewMemoryStore(), "t", o).status().IsInvalidArgument());
}

// The repository's index asks each table in turn: a key a table lacks sends it to the next,
// a table whose object is gone must not (docs/format/repository.md, "Reading").
TEST(TableTest, LookupTellsAKeyTheTableLacksFromATableThatIsGone) {
  auto store = NewMemoryStore();
  ASSERT_TRUE(Build(store, "tables/000042", {{"a", "1"}, {"c", "3"}}).ok());
  auto r = *TableReader::Open(store, "tables/000042");
  std::string v;
  bool found = true;
  ASSERT_TRUE(r->Lookup("b", &v, &found).ok());
  EXPECT_FALSE(found);
  ASSERT_TRUE(r->Lookup("c", &v, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(v, "3");
  auto gone = *TableReader::Open(store, "tables/000042");  // opened before the object is deleted
  ASSERT_TRUE(store->Delete("tables/000042").ok());
  Status s = gone->Lookup("b", &v, &found);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("tables/000042"), std::string::npos) << s.ToString();
}

TEST(TableTest, EmptyTableAndEmptyKey) {
  auto store = NewMemoryStore();
  ASSERT_TRUE(Build(store, "empty", {}).ok());
  auto r = *TableReader::Open(store, "empty");
  std::string v;
  EXPECT_TRUE(r->GetRow("x", &v).IsNotFound());
  auto it = r->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  ASSERT_TRUE(Build(store, "e", {{"", "empty key"}, {"a", "1"}}).ok());
  auto e = *TableReader::Open(store, "e");
  ASSERT_TRUE(e->GetRow("", &v).ok());
  EXPECT_EQ(v, "empty key");
}

TEST(TableTest, CachedMetadataNeedsNoIoAndTheFilterAnswersAbsentKeys) {
  auto mem = NewMemoryStore();
  KV kv;
  for (int i = 0; i < 50000; ++i) kv[std::to_string(i * 2)] = "v";
  TableOptions o;
  o.partition_size = 1 << 20;  // single-level: the reader holds the whole filter
  ASSERT_TRUE(Build(mem, "t", kv, o).ok());
  auto counting = std::make_shared<CountingStore>(mem);
  auto first = *TableReader::Open(counting, "t");
  auto meta = first->FetchAndLoadMetadata();
  ASSERT_TRUE(meta.ok());
  // Footer, meta block and filter came from one suffix read (after a head).
  EXPECT_EQ(counting->counts()[StoreOp::kGet].requests, 1u);
  counting->Reset();
  auto second = *TableReader::Open(counting, "t");
  second->LoadCachedMetadata(*meta);
  std::string v;
  int false_positives = 0;
  for (int i = 0; i < 50000; ++i) {
    const uint64_t before = counting->counts()[StoreOp::kGet].requests;
    EXPECT_TRUE(second->GetRow(std::to_string(i * 2 + 1), &v).IsNotFound());
    false_positives += counting->counts()[StoreOp::kGet].requests != before;
  }
  EXPECT_LT(false_positives, 50000 * 2 / 100) << "false-positive rate above 2%";
  EXPECT_GT(false_positives, 0);  // a bloom filter, not a set
  const uint64_t before = counting->counts()[StoreOp::kGet].requests;
  ASSERT_TRUE(second->GetRow("1234", &v).ok());
  EXPECT_EQ(counting->counts()[StoreOp::kGet].requests, before + 1);  // one block read
}

TEST(TableTest, SharedBlockCacheServesRepeatedReads) {
  auto store = NewMemoryStore();
  KV kv;
  for (int i = 0; i < 5000; ++i) kv[std::to_string(i)] = std::string(50, 'x');
  TableOptions o;
  o.block_cache = std::make_shared<BlockCache>(8 << 20);
  ASSERT_TRUE(Build(store, "t", kv, o).ok());
  auto r = *TableReader::Open(store, "t", o);
  auto it = r->NewIterator();
  Forward(*it);
  const uint64_t misses = o.block_cache->misses();
  Forward(*it);
  EXPECT_EQ(o.block_cache->misses(), misses);
}

void EveryBitFlipIsDetected(uint32_t partition_size) {
  auto store = NewMemoryStore();
  KV kv;
  for (int i = 0; i < 300; ++i) kv["key" + std::to_string(i)] = "value" + std::to_string(i * 7);
  TableOptions o;
  o.block_size = 512;
  o.partition_size = partition_size;
  o.compression.type = CompressionType::kZstd;
  ASSERT_TRUE(Build(store, "t", kv, o).ok());
  ASSERT_EQ((*TableReader::Open(store, "t", o))->Properties()->partitions > 0,
            partition_size < 1024);
  const std::string good = *store->Get("t");
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    auto s = NewMemoryStore();
    ASSERT_TRUE(s->Put("t", bad).ok());
    auto r = *TableReader::Open(s, "t", o);
    if (!r->FetchAndLoadMetadata().ok()) continue;  // refused at open: detected
    EXPECT_FALSE(r->Verify().ok()) << "flip at byte " << i << " went unnoticed";
    for (const auto& [k, v] : kv) {
      std::string got;
      const Status st = r->GetRow(k, &got);
      if (st.ok()) {
        ASSERT_EQ(got, v) << "flip at byte " << i;
      } else {
        ASSERT_TRUE(st.IsCorruption()) << "flip at byte " << i << ": " << st.ToString();
        EXPECT_NE(st.message().find(" at offset "), std::string::npos) << st.message();
      }
    }
  }
}

TEST(TableTest, EveryBitFlipIsDetectedAndNeverGivesAWrongValue) { EveryBitFlipIsDetected(16384); }

TEST(TableTest, EveryBitFlipInAPartitionedTableIsDetected) { EveryBitFlipIsDetected(256); }

TEST(TableTest, TruncatedTablesAreRefusedAtOpen) {
  auto store = NewMemoryStore();
  KV kv;
  for (int i = 0; i < 200; ++i) kv[std::to_string(i)] = "v";
  ASSERT_TRUE(Build(store, "t", kv).ok());
  const std::string whole = *store->Get("t");
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    auto s = NewMemoryStore();
    ASSERT_TRUE(s->Put("t", whole.substr(0, cut)).ok());
    auto r = *TableReader::Open(s, "t");
    auto m = r->FetchAndLoadMetadata();
    ASSERT_FALSE(m.ok()) << "cut " << cut;
    EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
  }
}

TEST(TableTest, OnAFileStore) {
  basin::testing::TempDir dir;
  auto store = *OpenFileStore(dir.path());
  KV kv;
  for (int i = 0; i < 10000; ++i) kv[std::to_string(i)] = std::to_string(i * i);
  ASSERT_TRUE(Build(store, "tables/1.tbl", kv).ok());
  auto r = *TableReader::Open(store, "tables/1.tbl");
  std::string v;
  ASSERT_TRUE(r->GetRow("77", &v).ok());
  EXPECT_EQ(v, "5929");
  EXPECT_TRUE(r->Verify().ok());
}

// --- merging ---

RC_GTEST_PROP(MergingProp, NewestTableWinsInBothDirections, ()) {
  const int tables = *rc::gen::inRange(1, 5);
  auto store = NewMemoryStore();
  std::vector<std::unique_ptr<TableReader>> readers;
  KV model;  // newest wins: tables are built oldest first and overwrite the model
  for (int t = 0; t < tables; ++t) {
    auto kv =
        *rc::gen::container<KV>(rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'e')),
                                rc::gen::just(std::string("t") + std::to_string(t)));
    TableOptions o;
    o.block_size = 256;
    RC_ASSERT(Build(store, "t" + std::to_string(t), kv, o).ok());
    for (auto& [k, v] : kv) model[k] = v;
    readers.push_back(*TableReader::Open(store, "t" + std::to_string(t), o));
  }
  std::vector<std::unique_ptr<TableIterator>> children;
  for (int t = tables - 1; t >= 0; --t)
    children.push_back(readers[t]->NewIterator());  // newest first
  auto merged = NewMergingIterator(std::move(children));
  const std::vector<std::pair<std::string, std::string>> want(model.begin(), model.end());
  RC_ASSERT(Forward(*merged) == want);
  RC_ASSERT(Backward(*merged) == want);
  // Random walks with direction changes match the model.
  const auto target = *rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'f'));
  merged->Seek(target);
  auto m = model.lower_bound(target);
  const auto steps = *rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>());
  for (bool forward : steps) {
    if (m == model.end()) {
      RC_ASSERT(!merged->Valid());
      break;
    }
    RC_ASSERT(merged->Valid());
    RC_ASSERT(merged->key() == m->first);
    RC_ASSERT(merged->value() == m->second);
    if (forward) {
      merged->Next();
      ++m;
    } else {
      if (m == model.begin()) break;
      merged->Prev();
      --m;
    }
  }
}

}  // namespace
}  // namespace basin
