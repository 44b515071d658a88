#include "store/store_conformance.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;

std::string MustGet(ObjectStore& store, std::string_view key,
                    const ByteRange& range = ByteRange::All()) {
  std::string out;
  Status s = store.Get(key, range, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST_P(StoreConformanceTest, PutThenGetReturnsTheSameBytes) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{4096}, size_t{3} << 20}) {
    const std::string key = fmt::format("objects/size-{}", n);
    const std::string data = RandomBytes(n, n);
    ASSERT_OK(store_->Put(key, data));
    EXPECT_EQ(MustGet(*store_, key), data) << key;
    auto size = store_->Head(key);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, n);
  }
}

TEST_P(StoreConformanceTest, BinaryBytesSurvive) {
  const std::string data("\0\xff\n\r\0zero", 10);
  ASSERT_OK(store_->Put("bin", data));
  EXPECT_EQ(MustGet(*store_, "bin"), data);
}

TEST_P(StoreConformanceTest, OverwriteReplacesTheObject) {
  ASSERT_OK(store_->Put("k", "first version, longer"));
  ASSERT_OK(store_->Put("k", "second"));
  EXPECT_EQ(MustGet(*store_, "k"), "second");
}

TEST_P(StoreConformanceTest, CreateOnlyFailsWhenTheKeyExists) {
  ASSERT_OK(store_->Put("k", "original", PutMode::kCreateOnly));
  Status s = store_->Put("k", "intruder", PutMode::kCreateOnly);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_EQ(MustGet(*store_, "k"), "original");
}

TEST_P(StoreConformanceTest, CreateOnlyRaceHasExactlyOneWinner) {
  for (int round = 0; round < 20; ++round) {
    const std::string key = fmt::format("race/{}", round);
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        Status s = store_->Put(key, fmt::format("writer {}", t), PutMode::kCreateOnly);
        if (s.ok()) ++wins;
        if (s.IsAlreadyExists()) ++conflicts;
        if (!s.ok() && !s.IsAlreadyExists()) ADD_FAILURE() << s.ToString();
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins.load(), 1) << key;
    EXPECT_EQ(conflicts.load(), 1) << key;
    const std::string v = MustGet(*store_, key);
    EXPECT_TRUE(v == "writer 0" || v == "writer 1") << v;
  }
}

TEST_P(StoreConformanceTest, MissingObjectIsNotFound) {
  std::string out;
  EXPECT_TRUE(store_->Get("nope", ByteRange::All(), &out).IsNotFound());
  EXPECT_TRUE(store_->Get("no/such/dir/key", ByteRange::All(), &out).IsNotFound());
  EXPECT_TRUE(store_->Head("nope").status().IsNotFound());
}

TEST_P(StoreConformanceTest, SpanReadsAtTheEdges) {
  const std::string data = "0123456789";
  ASSERT_OK(store_->Put("r", data));
  EXPECT_EQ(MustGet(*store_, "r", ByteRange::Span(0, 3)), "012");
  EXPECT_EQ(MustGet(*store_, "r", ByteRange::Span(4, 2)), "45");
  EXPECT_EQ(MustGet(*store_, "r", ByteRange::Span(7, 3)), "789");  // ends at the end
  EXPECT_EQ(MustGet(*store_, "r", ByteRange::Span(0, 10)), data);  // the whole object
  EXPECT_EQ(MustGet(*store_, "r", ByteRange::Span(10, 0)), "");    // empty, at the end
  EXPECT_EQ(MustGet(*store_, "r", ByteRange::Span(3, 0)), "");     // empty, inside
  std::string out = "untouched";
  Status past = store_->Get("r", ByteRange::Span(8, 3), &out);  // one byte past the end
  EXPECT_TRUE(past.IsInvalidArgument()) << past.ToString();
  EXPECT_NE(past.message().find("past its end"), std::string::npos) << past.message();
  EXPECT_TRUE(store_->Get("r", ByteRange::Span(11, 0), &out).IsInvalidArgument());
  EXPECT_TRUE(store_->Get("r", ByteRange::Span(~0ull, 2), &out).IsInvalidArgument());
}

TEST_P(StoreConformanceTest, SuffixReadsAtTheEdges) {
  ASSERT_OK(store_->Put("s", "0123456789"));
  EXPECT_EQ(MustGet(*store_, "s", ByteRange::Suffix(3)), "789");
  EXPECT_EQ(MustGet(*store_, "s", ByteRange::Suffix(10)), "0123456789");
  EXPECT_EQ(MustGet(*store_, "s", ByteRange::Suffix(25)), "0123456789");  // longer: all
  EXPECT_EQ(MustGet(*store_, "s", ByteRange::Suffix(0)), "");
}

TEST_P(StoreConformanceTest, RangesOfAnEmptyObject) {
  ASSERT_OK(store_->Put("empty", ""));
  EXPECT_EQ(MustGet(*store_, "empty", ByteRange::Suffix(8)), "");
  EXPECT_EQ(MustGet(*store_, "empty", ByteRange::Span(0, 0)), "");
  std::string out;
  EXPECT_TRUE(store_->Get("empty", ByteRange::Span(0, 1), &out).IsInvalidArgument());
}

TEST_P(StoreConformanceTest, ListIsInBytewiseOrderAndHonoursPrefix) {
  // '-' (0x2d) sorts before '/' (0x2f): "a-c" comes before "a/b".
  const std::vector<std::string> keys = {"a/b", "a-c", "a/a/z", "b", "a0", "ab/c", "a/c"};
  for (const auto& k : keys) ASSERT_OK(store_->Put(k, k));
  auto all = store_->ListAll("");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> got;
  for (const auto& o : *all) got.push_back(o.key);
  EXPECT_EQ(got, (std::vector<std::string>{"a-c", "a/a/z", "a/b", "a/c", "a0", "ab/c", "b"}));
  for (const auto& o : *all) EXPECT_EQ(o.size, o.key.size());

  auto under_a = store_->ListAll("a/");
  ASSERT_TRUE(under_a.ok());
  got.clear();
  for (const auto& o : *under_a) got.push_back(o.key);
  EXPECT_EQ(got, (std::vector<std::string>{"a/a/z", "a/b", "a/c"}));

  auto partial = store_->ListAll("a");  // a prefix that is not a whole segment
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->size(), 6u);
  auto none = store_->ListAll("zzz");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformanceTest, ListStartsStrictlyAfter) {
  for (const char* k : {"k1", "k2", "k3", "x/y"}) ASSERT_OK(store_->Put(k, "v"));
  ListOptions o;
  o.start_after = "k2";
  auto page = store_->List(o);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "k3");
  EXPECT_EQ(page->objects[1].key, "x/y");
  EXPECT_FALSE(page->truncated);
  o.start_after = "k";  // not itself a key
  page = store_->List(o);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects.size(), 4u);
  o.start_after = "x/";  // inside a "directory"
  page = store_->List(o);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "x/y");
}

TEST_P(StoreConformanceTest, ListPagesThroughThousandsOfKeys) {
  const int n = GetParam().list_keys;
  ASSERT_GT(n, 2 * 777) << "the listing must take at least three pages";
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    // Spread over "directories", with names whose order differs from numeric order.
    keys.push_back(fmt::format("p/{:02x}/{}", i % 37, i));
  }
  std::vector<std::thread> threads;
  std::atomic<bool> ok{true};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < keys.size(); i += 4) {
        if (!store_->Put(keys[i], "").ok()) ok = false;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(ok);
  std::sort(keys.begin(), keys.end());

  ListOptions o;
  o.prefix = "p/";
  o.max_keys = 777;
  std::vector<std::string> got;
  int pages = 0;
  while (true) {
    auto page = store_->List(o);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    EXPECT_LE(page->objects.size(), 777u);
    for (const auto& obj : page->objects) got.push_back(obj.key);
    if (!page->truncated) break;
    EXPECT_EQ(page->objects.size(), 777u);
    o.start_after = page->objects.back().key;
  }
  EXPECT_EQ(pages, (n + 776) / 777);
  EXPECT_EQ(got, keys);
}

TEST_P(StoreConformanceTest, ListRefusesAZeroPageSize) {
  ListOptions o;
  o.max_keys = 0;
  EXPECT_TRUE(store_->List(o).status().IsInvalidArgument());
}

TEST_P(StoreConformanceTest, DeleteIsIdempotent) {
  ASSERT_OK(store_->Put("d/k", "v"));
  ASSERT_OK(store_->Delete("d/k"));
  EXPECT_TRUE(store_->Head("d/k").status().IsNotFound());
  ASSERT_OK(store_->Delete("d/k"));
  ASSERT_OK(store_->Delete("never/existed"));
  auto all = store_->ListAll("");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(StoreConformanceTest, InvalidKeysAreRefusedByEveryOperation) {
  const std::vector<std::string> bad = {"",
                                        "/abs",
                                        "trailing/",
                                        "a//b",
                                        "a/../b",
                                        "./a",
                                        "a/.",
                                        std::string("nul\0", 4),
                                        "tab\t",
                                        ".basin-tmp",
                                        "x/.basin-y",
                                        std::string(kMaxKeyLength + 1, 'k'),
                                        std::string(kMaxKeySegmentLength + 1, 's')};
  for (const std::string& k : bad) {
    std::string out;
    EXPECT_TRUE(store_->Put(k, "v").IsInvalidArgument()) << k;
    EXPECT_TRUE(store_->Get(k, ByteRange::All(), &out).IsInvalidArgument()) << k;
    EXPECT_TRUE(store_->Head(k).status().IsInvalidArgument()) << k;
    EXPECT_TRUE(store_->Delete(k).IsInvalidArgument()) << k;
    EXPECT_TRUE(store_->NewWriter(k, PutMode::kOverwrite).status().IsInvalidArgument()) << k;
  }
  // The limits themselves are fine.
  std::string longest;
  while (kMaxKeyLength - longest.size() > kMaxKeySegmentLength) {
    longest += std::string(kMaxKeySegmentLength - 1, 'a') + "/";
  }
  longest += std::string(kMaxKeyLength - longest.size(), 'b');
  ASSERT_EQ(longest.size(), kMaxKeyLength);
  ASSERT_OK(store_->Put(longest, "v"));
  EXPECT_EQ(MustGet(*store_, longest), "v");
  ASSERT_OK(store_->Put(std::string(kMaxKeySegmentLength, 's'), "v"));
  ASSERT_OK(store_->Put("dots.are/fine..here/.hidden", "v"));
}

TEST_P(StoreConformanceTest, WriterStreamsAndPublishesOnlyAtClose) {
  auto w = store_->NewWriter("big/streamed", PutMode::kOverwrite);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::string expect;
  for (int i = 0; i < 40; ++i) {
    const std::string part = RandomBytes(100000 + i, i);
    ASSERT_OK((*w)->Append(part));
    expect += part;
  }
  EXPECT_TRUE(store_->Head("big/streamed").status().IsNotFound());  // not visible yet
  EXPECT_EQ((*w)->bytes_appended(), expect.size());
  ASSERT_OK((*w)->Close());
  EXPECT_EQ(MustGet(*store_, "big/streamed"), expect);
  EXPECT_FALSE((*w)->Append("more").ok());  // closed
}

TEST_P(StoreConformanceTest, AbortedWriterLeavesNothing) {
  {
    auto w = store_->NewWriter("aborted", PutMode::kOverwrite);
    ASSERT_TRUE(w.ok());
    ASSERT_OK((*w)->Append("partial"));
    (*w)->Abort();
    EXPECT_FALSE((*w)->Close().ok());
  }
  {
    auto w = store_->NewWriter("dropped", PutMode::kOverwrite);
    ASSERT_TRUE(w.ok());
    ASSERT_OK((*w)->Append("partial"));
  }  // destroyed without Close
  auto all = store_->ListAll("");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(StoreConformanceTest, CreateOnlyWriterConflictKeepsTheOriginal) {
  ASSERT_OK(store_->Put("once", "original"));
  auto w = store_->NewWriter("once", PutMode::kCreateOnly);
  if (w.ok()) {  // a store may only find out at Close
    ASSERT_OK((*w)->Append("intruder"));
    EXPECT_TRUE((*w)->Close().IsAlreadyExists());
  } else {
    EXPECT_TRUE(w.status().IsAlreadyExists()) << w.status().ToString();
  }
  EXPECT_EQ(MustGet(*store_, "once"), "original");
}

TEST_P(StoreConformanceTest, CreateOnlyWritersRaceWithOneWinner) {
  auto a = store_->NewWriter("w-race", PutMode::kCreateOnly);
  auto b = store_->NewWriter("w-race", PutMode::kCreateOnly);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_OK((*a)->Append("a"));
  ASSERT_OK((*b)->Append("b"));
  ASSERT_OK((*b)->Close());
  EXPECT_TRUE((*a)->Close().IsAlreadyExists());
  EXPECT_EQ(MustGet(*store_, "w-race"), "b");
}

TEST_P(StoreConformanceTest, ConcurrentPutsAndGetsOfDistinctKeys) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string key = fmt::format("c/{}/{}", t, i);
        const std::string data = RandomBytes(1000 + i, t * 1000 + i);
        std::string out;
        if (!store_->Put(key, data).ok() || !store_->Get(key, ByteRange::All(), &out).ok() ||
            out != data) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = store_->ListAll("c/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 400u);
}

// Appendable objects are optional: a store that cannot grow objects in place says so, and
// for such a store the test checks exactly that and ends.
#define OPEN_APPENDABLE_OR_RETURN(var, key)                                        \
  auto var##_r = store_->OpenAppendable(key);                                      \
  if (!GetParam().appendable) {                                                    \
    EXPECT_TRUE(var##_r.status().IsNotSupported()) << var##_r.status().ToString(); \
    return;                                                                        \
  }                                                                                \
  ASSERT_TRUE(var##_r.ok()) << var##_r.status().ToString();                        \
  auto var = std::move(var##_r).value()

TEST_P(StoreConformanceTest, AppendableGrowsInPlaceAndIsVisibleAfterFlush) {
  OPEN_APPENDABLE_OR_RETURN(a, "logs/one");
  EXPECT_EQ(a->size(), 0u);
  ASSERT_OK(a->Append("hello "));
  ASSERT_OK(a->Append("world"));
  EXPECT_EQ(a->size(), 11u);
  ASSERT_OK(a->Flush());
  EXPECT_EQ(MustGet(*store_, "logs/one"), "hello world");
  const std::string big = RandomBytes(3 << 20, 4);
  ASSERT_OK(a->Append(big));
  ASSERT_OK(a->Sync());
  EXPECT_EQ(MustGet(*store_, "logs/one", ByteRange::Span(11, big.size())), big);
  EXPECT_EQ(*store_->Head("logs/one"), 11 + big.size());
}

TEST_P(StoreConformanceTest, AppendableReopensAtItsEndAndTruncates) {
  {
    OPEN_APPENDABLE_OR_RETURN(a, "logs/two");
    ASSERT_OK(a->Append("0123456789"));
    ASSERT_OK(a->Sync());
  }
  OPEN_APPENDABLE_OR_RETURN(b, "logs/two");
  EXPECT_EQ(b->size(), 10u);
  ASSERT_OK(b->Truncate(4));
  ASSERT_OK(b->Append("xy"));
  ASSERT_OK(b->Sync());
  EXPECT_EQ(MustGet(*store_, "logs/two"), "0123xy");
  EXPECT_TRUE(b->Truncate(100).IsInvalidArgument());
}

TEST_P(StoreConformanceTest, AppendableRefusesInvalidKeys) {
  EXPECT_TRUE(store_->OpenAppendable("bad//key").status().IsInvalidArgument());
}

TEST_P(StoreConformanceTest, ReadableObjectReadsRanges) {
  const std::string data = RandomBytes(100000, 8);
  ASSERT_OK(store_->Put("r/obj", data));
  auto r = store_->OpenReadable("r/obj");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->size(), data.size());
  std::string out;
  ASSERT_OK((*r)->Read(0, 10, &out));
  EXPECT_EQ(out, data.substr(0, 10));
  ASSERT_OK((*r)->Read(99990, 10, &out));
  EXPECT_EQ(out, data.substr(99990));
  ASSERT_OK((*r)->Read(100000, 0, &out));
  EXPECT_EQ(out, "");
  EXPECT_TRUE((*r)->Read(99995, 10, &out).IsInvalidArgument());
  EXPECT_TRUE(store_->OpenReadable("r/absent").status().IsNotFound());
  EXPECT_TRUE(store_->OpenReadable("r//bad").status().IsInvalidArgument());
}

TEST_P(StoreConformanceTest, ReadableObjectWithATailPrefetchReadsEverywhere) {
  const std::string data = RandomBytes(100000, 9);
  ASSERT_OK(store_->Put("r/tail", data));
  for (uint64_t prefetch : {uint64_t{1}, uint64_t{4096}, uint64_t{1} << 20}) {
    auto r = store_->OpenReadable("r/tail", prefetch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->size(), data.size());
    std::string out;
    for (uint64_t off : {uint64_t{0}, uint64_t{95000}, uint64_t{99999}, uint64_t{100000}}) {
      const uint64_t len = std::min<uint64_t>(5000, data.size() - off);
      ASSERT_OK((*r)->Read(off, len, &out));
      EXPECT_EQ(out, data.substr(off, len)) << "prefetch " << prefetch << " at " << off;
    }
    EXPECT_TRUE((*r)->Read(99999, 2, &out).IsInvalidArgument());
  }
  ASSERT_OK(store_->Put("r/empty", ""));
  auto e = store_->OpenReadable("r/empty", 64);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->size(), 0u);
  EXPECT_TRUE(store_->OpenReadable("r/absent", 64).status().IsNotFound());
}

TEST_P(StoreConformanceTest, GetTellsTheObjectSizeWithAnyRange) {
  const std::string data = RandomBytes(3000, 10);
  ASSERT_OK(store_->Put("sz/obj", data));
  ASSERT_OK(store_->Put("sz/empty", ""));
  struct Case {
    const char* key;
    ByteRange range;
    uint64_t size;
  };
  for (const Case& c :
       {Case{"sz/obj", ByteRange::All(), 3000}, Case{"sz/obj", ByteRange::Suffix(100), 3000},
        Case{"sz/obj", ByteRange::Suffix(5000), 3000}, Case{"sz/obj", ByteRange::Suffix(0), 3000},
        Case{"sz/obj", ByteRange::Span(10, 20), 3000},
        Case{"sz/obj", ByteRange::Span(3000, 0), 3000}, Case{"sz/empty", ByteRange::All(), 0},
        Case{"sz/empty", ByteRange::Suffix(10), 0}}) {
    std::string out;
    uint64_t size = 12345;
    ASSERT_OK(store_->Get(c.key, c.range, &out, &size));
    EXPECT_EQ(size, c.size) << c.key << " " << c.range.ToString();
  }
  uint64_t size = 0;
  std::string out;
  EXPECT_TRUE(store_->Get("sz/absent", ByteRange::Suffix(10), &out, &size).IsNotFound());
}

TEST_P(StoreConformanceTest, DeleteManyRemovesEveryKeyGivenAndOnlyThose) {
  std::vector<std::string> doomed;
  for (int i = 0; i < 1500; ++i) doomed.push_back(fmt::format("many/{:04}", i));
  for (int i = 0; i < 1500; i += 1) ASSERT_OK(store_->Put(doomed[i], ""));
  ASSERT_OK(store_->Put("many/keep", "k"));
  ASSERT_OK(store_->Put("many/a&b<c>", "escaped"));
  doomed.push_back("many/a&b<c>");
  doomed.push_back("many/never-existed");
  ASSERT_OK(store_->DeleteMany(doomed));
  auto left = store_->ListAll("many/");
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].key, "many/keep");
  EXPECT_TRUE(store_->DeleteMany({"ok", "bad//key"}).IsInvalidArgument());
  EXPECT_TRUE(store_->DeleteMany({}).ok());
}

TEST_P(StoreConformanceTest, StatReportsSizeEntityTagAndLastModified) {
  using std::chrono::minutes;
  const auto before = std::chrono::system_clock::now();
  ASSERT_OK(store_->Put("meta/k", "version one"));
  auto first = store_->Stat("meta/k");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->key, "meta/k");
  EXPECT_EQ(first->size, 11u);
  EXPECT_FALSE(first->etag.empty());
  // The store's clock, not ours: allow for skew, but the epoch means "unknown".
  EXPECT_GT(first->last_modified, before - minutes(10));
  EXPECT_LT(first->last_modified, std::chrono::system_clock::now() + minutes(10));
  // Listing says the same (S3 lists times to the millisecond, HEAD to the second).
  auto listed = store_->ListAll("meta/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].etag, first->etag);
  EXPECT_EQ((*listed)[0].size, 11u);
  EXPECT_LT(std::chrono::abs((*listed)[0].last_modified - first->last_modified),
            std::chrono::seconds(2));
  ASSERT_OK(store_->Put("meta/k", "version two"));
  auto second = store_->Stat("meta/k");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->etag, first->etag) << "a replaced object keeps its entity tag";
  EXPECT_TRUE(store_->Stat("meta/absent").status().IsNotFound());
}

TEST_P(StoreConformanceTest, PutIfMatchReplacesOnlyTheVersionItNames) {
  ASSERT_OK(store_->Put("cas/k", "v1"));
  const std::string v1 = store_->Stat("cas/k")->etag;
  ASSERT_OK(store_->PutIfMatch("cas/k", "v2", v1));
  EXPECT_EQ(MustGet(*store_, "cas/k"), "v2");
  const std::string v2 = store_->Stat("cas/k")->etag;
  EXPECT_NE(v2, v1);
  Status stale = store_->PutIfMatch("cas/k", "v3 from a stale reader", v1);
  EXPECT_TRUE(stale.IsAlreadyExists()) << stale.ToString();
  EXPECT_EQ(MustGet(*store_, "cas/k"), "v2");
  Status absent = store_->PutIfMatch("cas/absent", "x", v1);
  EXPECT_TRUE(absent.IsNotFound()) << absent.ToString();
  EXPECT_TRUE(store_->Stat("cas/absent").status().IsNotFound());
  EXPECT_TRUE(store_->PutIfMatch("cas/k", "x", "").IsInvalidArgument());
  EXPECT_TRUE(store_->PutIfMatch("bad//key", "x", v2).IsInvalidArgument());
}

TEST_P(StoreConformanceTest, PutIfMatchRaceHasExactlyOneWinner) {
  for (int round = 0; round < 10; ++round) {
    const std::string key = fmt::format("casrace/{}", round);
    ASSERT_OK(store_->Put(key, "base"));
    const std::string base = store_->Stat(key)->etag;
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        Status s = store_->PutIfMatch(key, fmt::format("writer {}", t), base);
        if (s.ok()) ++wins;
        if (s.IsAlreadyExists()) ++conflicts;
        if (!s.ok() && !s.IsAlreadyExists()) ADD_FAILURE() << s.ToString();
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins.load(), 1) << key;
    EXPECT_EQ(conflicts.load(), 5) << key;
  }
}

TEST_P(StoreConformanceTest, GetIfMatchRefusesAnotherVersion) {
  ASSERT_OK(store_->Put("pin/k", "0123456789"));
  ObjectInfo info;
  std::string out;
  ASSERT_OK(store_->Get("pin/k", ByteRange::Span(2, 3), {}, &out, &info));
  EXPECT_EQ(out, "234");
  EXPECT_EQ(info.size, 10u);
  EXPECT_EQ(info.etag, store_->Stat("pin/k")->etag);
  GetOptions pinned;
  pinned.if_match = info.etag;
  ASSERT_OK(store_->Get("pin/k", ByteRange::Suffix(4), pinned, &out, nullptr));
  EXPECT_EQ(out, "6789");
  ASSERT_OK(store_->Put("pin/k", "abcdefghij"));
  Status s = store_->Get("pin/k", ByteRange::Span(0, 4), pinned, &out, nullptr);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(out, "abcd");
}

// A handle opened on one version never returns bytes of the next: it reads the version it
// opened, or fails saying the object changed.
TEST_P(StoreConformanceTest, ReadableObjectReadsOneVersionOnly) {
  const std::string v1 = RandomBytes(1 << 20, 21), v2 = RandomBytes(1 << 20, 22);
  ASSERT_OK(store_->Put("ver/k", v1));
  auto r = store_->OpenReadable("ver/k");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_OK(store_->Put("ver/k", v2));
  std::string out;
  Status s = (*r)->Read(4096, 65536, &out);
  if (s.ok()) {
    EXPECT_EQ(out, v1.substr(4096, 65536));
  } else {
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
  }
}

}  // namespace
}  // namespace basin
