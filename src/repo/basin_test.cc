// The content store, end to end, on every store: memory, a local directory, and S3
// (radosgw, started by scripts/test.sh).
#include "basin/basin.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "basin/counting_store.h"
#include "basin/fault_injecting_store.h"
#include "basin/file_store.h"
#include "basin/maintenance.h"
#include "basin/memory_store.h"
#include "hook_store.h"
#include "repo/basin_format.h"
#include "repo/basin_impl.h"
#include "repo/basin_test_util.h"
#include "repo/index_compaction.h"
#include "s3_test_store.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RandomBytes;
using basin::testing::TempDir;

TEST_P(BasinTest, GrainsPutAndCommittedAreThereAfterReopening) {
  auto b = Create();
  ASSERT_NE(b, nullptr);
  auto w = *b->NewWriter();
  std::vector<std::pair<GrainId, std::string>> put;
  for (int i = 0; i < 50; ++i) {
    const std::string data = RandomBytes(1000 + 997 * i, i);
    auto id = w->Put(i % 5 == 0 ? GrainType::kTree : GrainType::kChunk, data);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    put.emplace_back(*id, data);
  }
  EXPECT_FALSE(*b->Has(put[0].first)) << "visible before its commit";
  EXPECT_TRUE(*w->Has(put[0].first));
  auto seq = w->Commit();
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 1u);
  auto again = Reopen();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->sequence(), 1u);
  for (const auto& [id, data] : put) {
    std::string out;
    GrainType type;
    ASSERT_OK(again->Get(id, &out, &type));
    EXPECT_EQ(out, data);
  }
  std::string out;
  EXPECT_TRUE(again->Get(Blake3Hash("absent"), &out).IsNotFound());
}

TEST_P(BasinTest, DuplicatesAreStoredOnce) {
  auto b = Create();
  auto w = *b->NewWriter();
  const std::string data = RandomBytes(3 << 20, 5);
  auto first = PutBlob(*w, data);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(w->Commit().ok());
  const WriterStats before = w->stats();
  auto w2 = *b->NewWriter();
  auto second = PutBlob(*w2, data);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(w2->stats().grains_new, 0u);
  EXPECT_EQ(w2->stats().bytes_stored, 0u);
  EXPECT_EQ(w2->stats().grains_known, before.grains_new);
  // Nothing to commit: no new record.
  EXPECT_EQ(*w2->Commit(), 1u);
}

TEST_P(BasinTest, BlobsOfEverySizeRoundTrip) {
  auto b = Create();
  auto w = *b->NewWriter();
  std::vector<std::pair<GrainId, std::string>> blobs;
  for (size_t n : {size_t{0}, size_t{1}, size_t{16 << 10}, size_t{(16 << 10) + 1}, size_t{100000},
                   size_t{3 << 20}}) {
    const std::string data = RandomBytes(n, n + 1);
    auto id = PutBlob(*w, data);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    blobs.emplace_back(*id, data);
  }
  ASSERT_TRUE(w->Commit().ok());
  auto again = Reopen();
  for (const auto& [id, data] : blobs) EXPECT_EQ(ReadBlob(*again, id), data) << data.size();
}

TEST_P(BasinTest, TwoWritersCommittingAtOnceBothLand) {
  auto a = Create();
  auto b = Reopen();  // a second process, in effect: its own state
  std::vector<GrainId> ids(2);
  std::atomic<int> failures{0};
  auto work = [&](Basin* basin, int k) {
    auto w = *basin->NewWriter();
    for (int round = 0; round < 5; ++round) {
      auto id = w->Put(GrainType::kChunk, RandomBytes(5000, 100 * k + round));
      if (!id.ok() || !w->Commit().ok()) ++failures;
      if (id.ok()) ids[k] = *id;
    }
  };
  std::thread t1(work, a.get(), 0), t2(work, b.get(), 1);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  auto c = Reopen();
  // Ten commits, and one merge of the first eight index tables (the other writer's merge
  // of the same tables, if it tried one, is void and writes no record).
  EXPECT_EQ(c->sequence(), 11u);
  EXPECT_TRUE(*c->Has(ids[0]));
  EXPECT_TRUE(*c->Has(ids[1]));
  auto report = CheckBasin(*c, ReadData());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems[0].message;
}

// Regression (found by a tester): with journal/2 of 3 records lost, the next commit took
// seq 2, so record 3 counted again and check went clean: the damage was hidden for good.
// A commit now refuses, naming the missing record, and writes nothing.
TEST_P(BasinTest, ACommitRefusesToFillAGapInTheJournal) {
  auto b = Create();
  for (int i = 0; i < 3; ++i) {
    auto w = *b->NewWriter();
    ASSERT_OK(w->Put(GrainType::kChunk, RandomBytes(100, i)));
    ASSERT_OK(w->Commit());
  }
  const std::string lost = "journal/0000000000000002";
  ASSERT_OK(store_->Delete(lost));
  auto reopened = Reopen();
  auto w = *reopened->NewWriter();
  ASSERT_OK(w->Put(GrainType::kChunk, RandomBytes(100, 9)));
  auto commit = w->Commit();
  ASSERT_FALSE(commit.ok());
  EXPECT_TRUE(commit.status().IsCorruption()) << commit.status().ToString();
  EXPECT_NE(commit.status().message().find(lost), std::string::npos) << commit.status().ToString();
  std::string got;
  EXPECT_TRUE(store_->Get(lost, ByteRange::All(), &got).IsNotFound());
}

TEST_P(BasinTest, OpeningCostsThreeRequestsPlusOnePerCommitSinceTheCheckpoint) {
  auto_compact_index_ = false;  // only the commits below write records
  auto b = Create();            // checkpoint every 4 commits
  auto w = *b->NewWriter();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(w->Put(GrainType::kChunk, RandomBytes(100, i)).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  auto counting = std::make_shared<CountingStore>(store_);
  BasinOptions o = Options();
  o.store = counting;
  auto opened = Basin::Open(o, "correct horse");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ((*opened)->sequence(), 10u);
  // config, checkpoint (at 8), records 9 and 10, and the absent 11.
  EXPECT_EQ(counting->counts().total_requests(), 3u + 2u);
  EXPECT_EQ(counting->counts()[StoreOp::kList].requests, 0u);
}

TEST_P(BasinTest, AWrongPasswordIsRefusedAsPermissionDenied) {
  Create();
  auto b = Basin::Open(Options(), "wrong");
  EXPECT_TRUE(b.status().IsPermissionDenied()) << b.status().ToString();
  auto none = Basin::Open(Options(), "");
  EXPECT_TRUE(none.status().IsPermissionDenied()) << none.status().ToString();
  auto again = Basin::Init(Options(), SmallBasin());
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status().ToString();
}

TEST_P(BasinTest, KeysCanBeAddedChangedAndRemoved) {
  auto b = Create();
  auto added = b->AddKey("second password", {1, 8 << 10});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  auto keys = *b->ListKeys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_TRUE(Basin::Open(Options(), "second password").ok());
  EXPECT_TRUE(b->RemoveKey(keys[0].current ? keys[0].id : keys[1].id).IsInvalidArgument());
  ASSERT_OK(b->RemoveKey(*added));
  EXPECT_TRUE(Basin::Open(Options(), "second password").status().IsPermissionDenied());
  ASSERT_OK(b->ChangePassword("third", {1, 8 << 10}));
  EXPECT_TRUE(Basin::Open(Options(), "correct horse").status().IsPermissionDenied());
  EXPECT_TRUE(Basin::Open(Options(), "third").ok());
  EXPECT_TRUE(b->RemoveKey(b->ListKeys()->at(0).id).IsInvalidArgument());  // the last one
}

TEST_P(BasinTest, AnUnencryptedBasinNeedsNoPasswordAndUsesPlainIds) {
  auto b = Create(SmallBasin(/*encrypted=*/false));
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->encrypted());
  auto w = *b->NewWriter();
  auto id = w->Put(GrainType::kChunk, "plain");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, Blake3Hash("plain"));
  ASSERT_TRUE(w->Commit().ok());
  auto again = Basin::Open(Options(), "");
  ASSERT_TRUE(again.ok());
  std::string out;
  ASSERT_OK((*again)->Get(*id, &out));
  EXPECT_EQ(out, "plain");
}

TEST_P(BasinTest, SnapshotsAreListedFromTheJournalAlone) {
  auto b = Create();
  auto w = *b->NewWriter();
  auto snap = *w->Put(GrainType::kSnapshot, "snapshot grain");
  ASSERT_OK(w->AddSnapshot(snap, "summary: host x"));
  ASSERT_TRUE(w->Commit().ok());
  auto again = Reopen();
  auto snaps = again->Snapshots();
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].id, snap);
  EXPECT_EQ(snaps[0].summary, "summary: host x");
  EXPECT_EQ(snaps[0].seq, 1u);
  auto w2 = *again->NewWriter();
  ASSERT_OK(w2->RemoveSnapshot(snap));
  ASSERT_TRUE(w2->Commit().ok());
  EXPECT_TRUE(Reopen()->Snapshots().empty());
}

TEST_P(BasinTest, IndexCompactionMergesTablesAndLookupsStillWork) {
  auto b = Create();
  std::vector<GrainId> ids;
  for (int i = 0; i < 6; ++i) {
    auto w = *b->NewWriter();
    ids.push_back(*w->Put(GrainType::kChunk, RandomBytes(2000, i)));
    ASSERT_TRUE(w->Commit().ok());
  }
  auto report = CompactIndex(*b);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->tables_before, 6u);
  EXPECT_EQ(report->tables_after, 1u);
  auto again = Reopen();
  for (const auto& id : ids) EXPECT_TRUE(*again->Has(id));
  auto check = CheckBasin(*again, ReadData());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->problems.empty())
      << check->problems[0].object << ": " << check->problems[0].message;
  // A basin opened before the merge finds the merged table when its own are gone.
  EXPECT_TRUE(*b->Has(ids[0]));
}

// Regression (schedule harness, seeds 143 186 622 652 733 761 836): a reader that had the
// index tables in its view when another process merged and deleted them took the gone
// tables for tables without the grain, and reported the grain absent.
TEST_P(BasinTest, AReaderOpenedBeforeAnotherProcessMergesTheIndexStillFindsItsGrains) {
  auto b = Create();
  std::vector<GrainId> ids;
  std::vector<std::string> data;
  for (int i = 0; i < 6; ++i) {
    auto w = *b->NewWriter();
    data.push_back(RandomBytes(2000, i));
    ids.push_back(*w->Put(GrainType::kChunk, data.back()));
    ASSERT_TRUE(w->Commit().ok());
  }
  auto has_reader = Reopen();
  auto get_reader = Reopen();
  ASSERT_TRUE(CompactIndex(*Reopen(), 2).ok());  // another process merges, deletes the inputs
  for (size_t i = 0; i < ids.size(); ++i) {
    auto has = has_reader->Has(ids[i]);
    ASSERT_TRUE(has.ok()) << has.status().ToString();
    EXPECT_TRUE(*has) << i;
    std::string got;
    ASSERT_OK(get_reader->Get(ids[i], &got));
    EXPECT_EQ(got, data[i]) << i;
  }
}

// Regression (schedule harness, seed 156): a reader found an index table merged away, read
// the journal, and before its second lookup another process merged and deleted the table
// it had just learned of; the reader called that damage. It catches up again while the
// journal moves.
TEST(IndexRefreshTest, AReaderWhoseCatchUpAnotherMergeOvertakesStillFindsItsGrains) {
  std::shared_ptr<ObjectStore> inner = NewMemoryStore();
  auto hooked = std::make_shared<testing::HookStore>(inner);
  BasinOptions direct;
  direct.store = inner;
  auto other = *Basin::Init(direct, SmallBasin());
  std::vector<GrainId> ids;
  auto commit_one = [&](int i) {
    auto w = *other->NewWriter();
    ids.push_back(*w->Put(GrainType::kChunk, RandomBytes(2000, i)));
    ASSERT_OK(w->Commit());
  };
  for (int i = 0; i < 4; ++i) commit_one(i);
  BasinOptions through_hook;
  through_hook.store = hooked;
  auto reader = *Basin::Open(through_hook, "correct horse");
  ASSERT_OK(CompactIndex(*other, 2));  // the reader's tables are gone
  int merges = 0;
  hooked->after = [&](const testing::StoreCall& call, const Status& s) {
    // The end of the reader's catch-up: another commit, and a merge of all, land.
    if (merges == 0 && call.name == "get" && call.key.starts_with("journal/") && s.IsNotFound()) {
      ++merges;
      commit_one(4);
      EXPECT_OK(CompactIndex(*other, 2));
    }
  };
  const GrainId first = ids[0];  // the hook adds to ids
  auto has = reader->Has(first);
  ASSERT_OK(has);
  EXPECT_TRUE(*has);
  EXPECT_EQ(merges, 1);
}

// An index table the journal names, deleted without a merge, is damage: the lookup names
// it, and never answers "absent".
TEST_P(BasinTest, AnIndexTableDeletedWithoutAMergeIsAnErrorNamingItNotAnAbsentGrain) {
  auto b = Create();
  auto w = *b->NewWriter();
  const GrainId id = *w->Put(GrainType::kChunk, RandomBytes(2000, 7));
  ASSERT_TRUE(w->Commit().ok());
  auto tables = store_->ListAll("index/");
  ASSERT_OK(tables);
  ASSERT_EQ(tables->size(), 1u);
  const std::string key = (*tables)[0].key;
  auto reader = Reopen();
  ASSERT_OK(store_->Delete(key));
  auto has = reader->Has(id);
  ASSERT_FALSE(has.ok()) << "the grain was reported " << (*has ? "present" : "absent");
  EXPECT_TRUE(has.status().IsCorruption()) << has.status().ToString();
  EXPECT_NE(has.status().message().find(key), std::string::npos) << has.status().ToString();
  std::string got;
  Status s = Reopen()->Get(id, &got);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(key), std::string::npos) << s.ToString();
}

size_t LiveTables(Basin& b) { return static_cast<repo::BasinImpl&>(b).state().tables.size(); }

TEST(IndexCompactionPolicyTest, ATierIsMergedWhenItHoldsEightTables) {
  auto tables = [](std::vector<uint64_t> entries) {
    std::vector<repo::TableRef> out;
    for (size_t i = 0; i < entries.size(); ++i) {
      repo::TableRef t;
      t.name[0] = static_cast<uint8_t>(i);
      t.entries = entries[i];
      out.push_back(t);
    }
    return out;
  };
  EXPECT_EQ(repo::IndexTier(0), 0);
  EXPECT_EQ(repo::IndexTier(7), 0);
  EXPECT_EQ(repo::IndexTier(8), 1);
  EXPECT_EQ(repo::IndexTier(63), 1);
  EXPECT_EQ(repo::IndexTier(64), 2);
  EXPECT_EQ(repo::IndexTier(20'000'000), 8);
  EXPECT_TRUE(repo::PickTablesToMerge(tables({1, 2, 3, 4, 5, 6, 7})).empty());
  // Seven small tables and seven of the next tier: nothing is full.
  EXPECT_TRUE(
      repo::PickTablesToMerge(tables({1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15})).empty());
  // The eighth small table fills tier 0: exactly those eight, in state order.
  auto picked = repo::PickTablesToMerge(tables({100, 1, 2, 3, 4, 5, 6, 7, 1, 4000}));
  ASSERT_EQ(picked.size(), 8u);
  for (size_t i = 0; i < picked.size(); ++i) EXPECT_EQ(picked[i].name[0], i + 1);
  // The lowest full tier goes first.
  picked = repo::PickTablesToMerge(tables({8, 8, 8, 8, 8, 8, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1}));
  ASSERT_EQ(picked.size(), 8u);
  EXPECT_EQ(picked[0].entries, 1u);
}

TEST_P(BasinTest, IndexTablesThatPileUpAreMergedSizeTieredAfterCommits) {
  auto b = Create();
  std::vector<GrainId> ids;
  size_t most = 0;
  uint64_t merged = 0;
  for (int i = 0; i < 64; ++i) {
    auto w = *b->NewWriter();
    ids.push_back(*w->Put(GrainType::kChunk, RandomBytes(100, i)));
    ASSERT_TRUE(w->Commit().ok());
    EXPECT_EQ(w->stats().index_merge_error, "");
    merged += w->stats().index_tables_merged;
    most = std::max(most, LiveTables(*b));
  }
  // Eight one-grain tables become one of 8 grains (tier 1); eight of those, one of 64.
  EXPECT_EQ(LiveTables(*b), 1u);
  EXPECT_LE(most, 14u);  // never more than 7 tables in each of two tiers
  EXPECT_EQ(merged, 64u + 8u);
  auto again = Reopen();
  EXPECT_EQ(LiveTables(*again), 1u);
  for (const auto& id : ids) EXPECT_TRUE(*again->Has(id));
  auto check = CheckBasin(*again, ReadData());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->problems.empty())
      << check->problems[0].object << ": " << check->problems[0].message;
}

// A restore reads grains in about the order they were written: through the read cache's
// windows, 300 grains of one stratum cost a few requests, not 300 (on S3, ~10 ms each).
TEST_P(BasinTest, ReadingTheGrainsOfAStratumInOrderCostsAFewRequestsNotOneEach) {
  auto b = Create();
  auto w = *b->NewWriter();
  std::vector<std::pair<GrainId, std::string>> grains;
  for (int i = 0; i < 300; ++i) {
    std::string data = RandomBytes(3000, 1000 + i);
    grains.emplace_back(*w->Put(GrainType::kChunk, data), std::move(data));
  }
  ASSERT_TRUE(w->Commit().ok());
  auto counting = std::make_shared<CountingStore>(store_);
  BasinOptions o = Options();
  o.store = counting;
  auto opened = Basin::Open(o, "correct horse");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const uint64_t before = counting->counts()[StoreOp::kGet].requests;
  std::string data;
  for (const auto& [id, expected] : grains) {
    ASSERT_OK((*opened)->Get(id, &data));
    ASSERT_EQ(data, expected);
  }
  // On S3: one window of the stratum (900 KB of grains), and the index table's blocks.
  // Local stores read each grain alone (a pread each): windows would only copy more.
  const uint64_t gets = counting->counts()[StoreOp::kGet].requests - before;
  if (std::string(GetParam().name) == "S3") {
    EXPECT_LE(gets, 40u);
  } else {
    EXPECT_GE(gets, 300u);
  }
}

TEST_P(BasinTest, WithoutAutomaticCompactionEachCommitKeepsItsIndexTable) {
  auto_compact_index_ = false;
  auto b = Basin::Init(Options(), SmallBasin());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (int i = 0; i < 9; ++i) {
    auto w = *(*b)->NewWriter();
    ASSERT_TRUE(w->Put(GrainType::kChunk, RandomBytes(100, i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    EXPECT_EQ(w->stats().index_tables_merged, 0u);
  }
  EXPECT_EQ(LiveTables(**b), 9u);
}

TEST_P(BasinTest, CheckIsCleanOnASoundBasin) {
  auto b = Create();
  auto w = *b->NewWriter();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(PutBlob(*w, RandomBytes(400000, i)).ok());
  ASSERT_TRUE(w->Commit().ok());
  auto report = CheckBasin(*b, ReadData());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->problems.empty()) << report->problems[0].message;
  EXPECT_GT(report->grains, 4u);
  EXPECT_EQ(report->grains_opened, report->grains);
  EXPECT_TRUE(report->unreferenced.empty());
}

TEST_P(BasinTest, AnUncommittedWriterLeavesNothingVisibleAndCheckStaysClean) {
  auto b = Create();
  {
    auto w = *b->NewWriter();
    for (int i = 0; i < 30; ++i)
      ASSERT_TRUE(w->Put(GrainType::kChunk, RandomBytes(100000, i)).ok());
  }  // destroyed without Commit: strata uploaded, never committed
  auto again = Reopen();
  EXPECT_EQ(again->sequence(), 0u);
  auto report = CheckBasin(*again, ReadData());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty());
  EXPECT_FALSE(report->unreferenced.empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, BasinTest, AllStores(), StoreName);

// Data strata on a cold store that fails every call: nothing but data reads and writes
// may touch it.
// Options and init options of a basin on `hot` keeping its data strata on `cold`.
std::pair<BasinOptions, InitOptions> ColdBasin(std::shared_ptr<ObjectStore> hot,
                                               std::shared_ptr<ObjectStore> cold) {
  InitOptions init = SmallBasin();
  init.settings.cold_url = "mem://cold";
  BasinOptions o;
  o.store = std::move(hot);
  o.cold_store = std::move(cold);
  return {o, init};
}

TEST(BasinColdStoreTest, MetadataOperationsNeverTouchTheColdStore) {
  auto hot = NewMemoryStore(), cold = NewMemoryStore();
  auto [o, init] = ColdBasin(hot, cold);
  auto b = *Basin::Init(o, init);
  auto w = *b->NewWriter();
  auto blob = PutBlob(*w, RandomBytes(2 << 20, 3));
  ASSERT_TRUE(blob.ok());
  auto snap = *w->Put(GrainType::kSnapshot, "s");
  ASSERT_OK(w->AddSnapshot(snap, "x"));
  ASSERT_TRUE(w->Commit().ok());
  auto data_keys = cold->ListAll("strata/data/");
  ASSERT_TRUE(data_keys.ok());
  EXPECT_FALSE(data_keys->empty());
  EXPECT_TRUE(hot->ListAll("strata/data/")->empty());

  FaultPlan fail_all;
  fail_all.probability = 1.0;
  fail_all.retryable = false;
  auto failing = std::make_shared<FaultInjectingStore>(cold, fail_all);
  o.cold_store = failing;
  auto opened = Basin::Open(o, "correct horse");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->Snapshots().size(), 1u);
  EXPECT_TRUE(*(*opened)->Has(*blob));
  std::string meta;
  ASSERT_OK((*opened)->Get(snap, &meta));  // a metadata grain: hot
  auto w2 = *(*opened)->NewWriter();
  ASSERT_TRUE(w2->Put(GrainType::kTree, "a tree").ok());
  ASSERT_TRUE(w2->Commit().ok());
  auto report = CheckBasin(**opened, CheckOptions{});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->problems.empty()) << report->problems[0].message;
  ASSERT_TRUE(ComputeStats(**opened).ok());
  EXPECT_EQ(failing->faults_injected(), 0u) << "the cold store was touched";
  // Reading data does need it, and says so.
  std::string out;
  EXPECT_FALSE((*opened)->ReadBlob(*blob, [](std::string_view) { return Status::OK(); }).ok());
}

// Regression (found by a tester): with the cold directory not mounted (or another store
// given), a backup wrote its data strata into an empty new store and succeeded. A writer
// now checks the cold store's marker before its first data stratum and writes nothing.
TEST(BasinColdStoreTest, AWriterRefusesAColdStoreThatIsNotThisBasins) {
  auto cold = NewMemoryStore();
  auto [o, init] = ColdBasin(NewMemoryStore(), cold);
  ASSERT_OK(Basin::Init(o, init));
  std::string marker;
  ASSERT_OK(cold->Get("cold-store", ByteRange::All(), &marker));

  auto empty = NewMemoryStore();  // the mount point, without the disk
  o.cold_store = empty;
  auto b = *Basin::Open(o, "correct horse");
  auto w = *b->NewWriter();
  auto put = PutBlob(*w, RandomBytes(2 << 20, 3));
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.status().message().find("cold-store"), std::string::npos)
      << put.status().ToString();
  EXPECT_TRUE(empty->ListAll("")->empty()) << "the wrong cold store was written";

  // Another basin's cold store is refused at init, and by a writer.
  BasinOptions other;
  other.store = NewMemoryStore();
  other.cold_store = cold;
  EXPECT_TRUE(Basin::Init(other, init).status().IsAlreadyExists());
  auto second = NewMemoryStore();
  other.cold_store = second;
  ASSERT_OK(Basin::Init(other, init));
  o.cold_store = second;
  auto mixed = *Basin::Open(o, "correct horse");
  auto w2 = *mixed->NewWriter();
  EXPECT_FALSE(PutBlob(*w2, RandomBytes(2 << 20, 4)).ok());
}

// Any set of blobs, over any number of commits, comes back byte for byte after reopening.
RC_GTEST_PROP(BasinProperty, BlobsRoundTripOverCommits, ()) {
  auto store = NewMemoryStore();
  BasinOptions o;
  o.store = store;
  auto b = *Basin::Init(o, SmallBasin());
  const auto sizes = *rc::gen::container<std::vector<size_t>>(
      rc::gen::oneOf(rc::gen::inRange<size_t>(0, 100), rc::gen::inRange<size_t>(0, 300000),
                     rc::gen::inRange<size_t>(0, 2 << 20)));
  const int commits = *rc::gen::inRange(1, 4);
  std::vector<std::pair<GrainId, std::string>> blobs;
  auto w = *b->NewWriter();
  for (size_t i = 0; i < sizes.size(); ++i) {
    // Some blobs repeat: they must be stored once.
    const std::string data = RandomBytes(sizes[i], i % 3 == 2 ? 7 : i);
    auto id = PutBlob(*w, data);
    RC_ASSERT(id.ok());
    blobs.emplace_back(*id, data);
    if (i % commits == 0) RC_ASSERT(w->Commit().ok());
  }
  RC_ASSERT(w->Commit().ok());
  auto again = *Basin::Open(o, "correct horse");
  for (const auto& [id, data] : blobs) {
    std::string out;
    RC_ASSERT(again
                  ->ReadBlob(id,
                             [&](std::string_view p) {
                               out.append(p);
                               return Status::OK();
                             })
                  .ok());
    RC_ASSERT(out == data);
  }
}

}  // namespace
}  // namespace basin
