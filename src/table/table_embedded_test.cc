// Tables inside other objects: built into a caller's writer after other bytes, read back
// from a byte range, opened from bytes the caller already read.
#include <gtest/gtest.h>

#include "basin/counting_store.h"
#include "basin/file_store.h"
#include "basin/memory_store.h"
#include "basin/table.h"
#include "table/table_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using testing::KV;

struct Embedded {
  uint64_t offset = 0, length = 0;
};

// Writes `before`, a table of kv, then `after` into one object; gives the table's range.
Embedded WriteObject(ObjectStore& store, const std::string& key, const std::string& before,
                     const KV& kv, const std::string& after, const TableOptions& o = {}) {
  auto w = store.NewWriter(key, PutMode::kCreateOnly);
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->Append(before).ok());
  auto b = TableBuilder::Open(w->get(), o);
  EXPECT_TRUE(b.ok());
  EXPECT_TRUE(testing::AddAll(**b, kv).ok());
  EXPECT_TRUE((*b)->Finish().ok());
  Embedded e{before.size(), (*b)->bytes_written()};
  EXPECT_EQ((*w)->bytes_appended(), before.size() + e.length);  // Finish did not close
  EXPECT_TRUE((*w)->Append(after).ok());
  EXPECT_TRUE((*w)->Close().ok());
  return e;
}

void ExpectReadsBack(TableReader& r, const KV& kv) {
  for (const auto& [k, v] : kv) {
    std::string got;
    ASSERT_OK(r.GetRow(k, &got));
    ASSERT_EQ(got, v);
    ASSERT_TRUE(r.GetRow(k + "x", &got).IsNotFound());
  }
  auto it = r.NewIterator();
  auto m = kv.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, kv.end());
    ASSERT_EQ(it->key(), m->first);
  }
  EXPECT_OK(it->status());
  EXPECT_EQ(m, kv.end());
  EXPECT_OK(r.Verify());
}

TEST(EmbeddedTableTest, ATableAfterOtherBytesReadsBackFromItsRange) {
  basin::testing::TempDir dir;
  std::shared_ptr<ObjectStore> stores[] = {NewMemoryStore(), *OpenFileStore(dir.path())};
  for (auto& store : stores) {  // the file store maps the object: blocks are read in place
    for (uint32_t partition : {16384u, 512u}) {  // single-level, partitioned
      TableOptions o;
      o.partition_size = partition;
      o.block_size = 512;
      const KV kv = testing::RandomIds(3000);
      const std::string key = "strata/" + std::to_string(partition);
      const Embedded e = WriteObject(*store, key, std::string(12345, 'g'), kv, "stratum footer", o);
      std::shared_ptr<ReadableObject> object = *store->OpenReadable(key);
      auto r = TableReader::Open(EmbeddedTable{object, e.offset, e.length, key}, o);
      ASSERT_OK(r.status());
      ExpectReadsBack(**r, kv);
      auto p = *(*r)->Properties();
      EXPECT_EQ(p.file_size, e.length);
      EXPECT_EQ(p.partitions > 0, partition == 512u) << p.partitions;
    }
  }
}

TEST(EmbeddedTableTest, TheWholeObjectFormCanBeCreateOnly) {
  basin::testing::TempDir dir;
  std::shared_ptr<ObjectStore> stores[] = {NewMemoryStore(), *OpenFileStore(dir.path())};
  for (auto& store : stores) {
    ASSERT_OK(testing::Build(store, "t", {{"a", "first"}}));
    Status s;
    auto b = TableBuilder::Open(store, "t", {}, PutMode::kCreateOnly);
    if (b.ok()) {
      ASSERT_OK((*b)->Add("a", "second"));
      s = (*b)->Finish();
    } else {
      s = b.status();  // stores that check when the writer is made
    }
    EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
    auto r = *TableReader::Open(store, "t");
    std::string v;
    ASSERT_OK(r->GetRow("a", &v));
    EXPECT_EQ(v, "first");
    auto fresh = *TableBuilder::Open(store, "u", {}, PutMode::kCreateOnly);
    ASSERT_OK(fresh->Add("b", "1"));
    EXPECT_OK(fresh->Finish());
  }
}

TEST(EmbeddedTableTest, TheCallersWriterDecidesTheObjectsFate) {
  auto store = NewMemoryStore();
  ASSERT_OK(store->Put("taken", "x"));
  auto w = *store->NewWriter("taken", PutMode::kCreateOnly);
  auto b = *TableBuilder::Open(w.get());
  ASSERT_OK(b->Add("k", "v"));
  ASSERT_OK(b->Finish());  // the table is complete; the object is the caller's to close
  EXPECT_TRUE(w->Close().IsAlreadyExists());
  EXPECT_EQ(*store->Get("taken"), "x");
}

TEST(EmbeddedTableTest, RangesThatDoNotHoldExactlyOneTableAreRefused) {
  auto store = NewMemoryStore();
  KV kv = testing::RandomIds(200);
  // Two tables back to back, then a tail.
  auto w = *store->NewWriter("o");
  ASSERT_OK(w->Append("head"));
  auto b1 = *TableBuilder::Open(w.get());
  ASSERT_OK(testing::AddAll(*b1, kv));
  ASSERT_OK(b1->Finish());
  auto b2 = *TableBuilder::Open(w.get());
  ASSERT_OK(b2->Add("only", "one"));
  ASSERT_OK(b2->Finish());
  ASSERT_OK(w->Append("tail"));
  ASSERT_OK(w->Close());
  const uint64_t o1 = 4, n1 = b1->bytes_written(), o2 = o1 + n1, n2 = b2->bytes_written();
  auto object = std::shared_ptr<ReadableObject>(*store->OpenReadable("o"));
  const uint64_t size = object->size();
  auto open = [&](uint64_t offset, uint64_t length) {
    auto r = TableReader::Open(EmbeddedTable{object, offset, length, "o"});
    if (!r.ok()) return r.status();
    return (*r)->FetchAndLoadMetadata().status();
  };
  EXPECT_OK(open(o1, n1));
  EXPECT_OK(open(o2, n2));
  // Outside the object: refused at Open.
  EXPECT_TRUE(open(size - 10, 11).IsInvalidArgument());
  EXPECT_TRUE(open(UINT64_MAX - 5, 10).IsInvalidArgument());
  EXPECT_TRUE(open(size + 1, 0).IsInvalidArgument());
  // Inside it, but not one table: Corruption naming the object.
  const std::pair<uint64_t, uint64_t> bad[] = {
      {o1, n1 - 1},       // truncated
      {o1, n1 + 1},       // runs into the next table
      {o1 - 1, n1 + 1},   // starts before the table
      {o1 + 1, n1 - 1},   // starts inside it
      {o1, n1 + n2},      // both tables
      {o2, n2 + 4},       // with the object's tail
      {o1, 47},           // shorter than a footer
      {o1 + n1 - 48, 48}  // the footer alone
  };
  for (auto [offset, length] : bad) {
    const Status s = open(offset, length);
    EXPECT_TRUE(s.IsCorruption()) << offset << "+" << length << ": " << s.ToString();
    EXPECT_EQ(s.message().rfind("o: ", 0), 0u) << s.message();
  }
}

// The content store reads a stratum's tail once; the grain index table in it then opens
// with no further request.
TEST(EmbeddedTableTest, OpeningFromBytesAlreadyReadCostsNoRequest) {
  auto mem = NewMemoryStore();
  const KV kv = testing::RandomIds(3000);
  const Embedded e = WriteObject(*mem, "s", std::string(200000, 'g'), kv, std::string(64, 'f'));
  auto counting = std::make_shared<CountingStore>(mem);
  auto requests = [&] { return counting->counts().total_requests(); };
  std::string tail;
  uint64_t size = 0;
  ASSERT_OK(counting->Get("s", ByteRange::Suffix(16 << 10), &tail, &size));
  std::shared_ptr<ReadableObject> object = *counting->OpenReadable("s");  // a HEAD
  counting->Reset();
  auto r = *TableReader::Open({object, e.offset, e.length, "s"}, {},
                              PrefetchedBytes{tail, size - tail.size()});
  EXPECT_EQ(requests(), 0u) << counting->counts().ToString();
  std::string v;
  ASSERT_OK(r->GetRow(kv.begin()->first, &v));
  EXPECT_EQ(v, kv.begin()->second);
  EXPECT_EQ(requests(), 1u);  // the data block, from the object

  // Without the bytes, loading the metadata costs a suffix read...
  counting->Reset();
  auto plain = *TableReader::Open(EmbeddedTable{object, e.offset, e.length, "s"});
  ASSERT_OK(plain->FetchAndLoadMetadata().status());
  EXPECT_EQ(requests(), 1u);
  // ...unless the object was opened with a tail that holds the table's last 64 KiB.
  std::shared_ptr<ReadableObject> prefetched = *counting->OpenReadable("s", (64 << 10) + 64);
  counting->Reset();
  auto warm = *TableReader::Open(EmbeddedTable{prefetched, e.offset, e.length, "s"});
  ASSERT_OK(warm->FetchAndLoadMetadata().status());
  EXPECT_EQ(requests(), 0u);
}

// The block cache keys blocks by the table's random file id and the offset in the table,
// so two tables in one object (whose blocks have the same offsets in their tables) never
// see each other's blocks, and a table copied elsewhere shares its entries.
TEST(EmbeddedTableTest, TablesInOneObjectShareACacheWithoutMixingBlocks) {
  auto store = NewMemoryStore();
  TableOptions o;
  o.block_cache = std::make_shared<BlockCache>(8 << 20);
  o.partition_size = 512;  // partitions are cached too
  const KV a = testing::RandomIds(2000, 1), b = testing::RandomIds(2000, 2);
  auto w = *store->NewWriter("o");
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const KV* kv : {&a, &b}) {
    const uint64_t at = w->bytes_appended();
    auto builder = *TableBuilder::Open(w.get(), o);
    ASSERT_OK(testing::AddAll(*builder, *kv));
    ASSERT_OK(builder->Finish());
    ranges.emplace_back(at, builder->bytes_written());
  }
  ASSERT_OK(w->Close());
  std::shared_ptr<ReadableObject> object = *store->OpenReadable("o");
  auto ra = *TableReader::Open(EmbeddedTable{object, ranges[0].first, ranges[0].second, "a"}, o);
  auto rb = *TableReader::Open(EmbeddedTable{object, ranges[1].first, ranges[1].second, "b"}, o);
  for (int round = 0; round < 2; ++round) {  // the second from the cache
    auto ia = a.begin();
    auto ib = b.begin();
    for (; ia != a.end(); ++ia, ++ib) {
      std::string v;
      ASSERT_OK(ra->GetRow(ia->first, &v));
      ASSERT_EQ(v, ia->second);
      ASSERT_OK(rb->GetRow(ib->first, &v));
      ASSERT_EQ(v, ib->second);
      ASSERT_TRUE(ra->GetRow(ib->first, &v).IsNotFound());
    }
  }
  const uint64_t misses = o.block_cache->misses();
  // The first table's bytes copied into another object, at another offset.
  const std::string bytes = store->Get("o")->substr(ranges[0].first, ranges[0].second);
  ASSERT_OK(store->Put("copy", "xyz" + bytes));
  auto copy =
      *TableReader::Open(EmbeddedTable{*store->OpenReadable("copy"), 3, bytes.size(), "copy"}, o);
  std::string v;
  ASSERT_OK(copy->GetRow(a.begin()->first, &v));
  EXPECT_EQ(v, a.begin()->second);
  EXPECT_EQ(o.block_cache->misses(), misses);  // same table, same blocks
}

}  // namespace
}  // namespace basin
