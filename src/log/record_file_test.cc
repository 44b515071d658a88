// The RecordFile interfaces (seed 001) over every flavour; telling the flavours apart; logs
// whose writer died creating them; the reports of writers that repair what they open.
#include <gtest/gtest.h>

#include "basin/basic_record_file.h"
#include "basin/coding.h"
#include "basin/log_directory.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"
#include "basin/record_file.h"
#include "basin/typed_log.h"
#include "log/log_test_util.h"
#include "test_util.h"

namespace basin {

struct Sample {
  uint64_t id;
  std::string name;
};

template <>
struct Serializer<Sample> {
  static void Encode(const Sample& s, std::string* out) {
    PutVarint64(out, s.id);
    out->append(s.name);
  }
  static Status Decode(std::string_view in, Sample* s) {
    if (!GetVarint64(&in, &s->id)) return Status::Corruption("not a sample");
    s->name.assign(in);
    return Status::OK();
  }
};

namespace {

using basin::testing::RandomBytes;

struct Flavour {
  const char* name;
  RecordFileKind kind;
  LogLayout layout;
  CompressionType compression;
};

LogOptions OptionsFor(const Flavour& f) {
  LogOptions o;
  o.block_size = 1024;
  o.layout = f.layout;
  o.compression.type = f.compression;
  o.first_entry = 7;
  return o;
}

class RecordFileTest : public ::testing::TestWithParam<Flavour> {};

// One writer interface and one reader interface, and the typed wrapper over them, whatever
// the flavour: appends give addresses; iteration, Get and Seek by address find the records
// again; Verify counts them.
TEST_P(RecordFileTest, EveryFlavourIsARecordFileWithTypedRecords) {
  auto store = NewMemoryStore();
  const Flavour f = GetParam();
  std::vector<Sample> samples;
  for (uint64_t i = 0; i < 300; ++i) {
    samples.push_back({i * 3, RandomBytes(static_cast<size_t>(i * 7 % 900), i)});
  }
  std::vector<uint64_t> addresses;
  {
    std::unique_ptr<RecordWriter> w;
    ASSERT_OK_AND_ASSIGN(w, OpenRecordWriter(store, "rec", f.kind, OptionsFor(f)));
    EXPECT_FALSE(w->recovery().changed);
    TypedLogWriter<Sample> typed(std::move(w));
    for (const Sample& s : samples) {
      uint64_t a = 0;
      ASSERT_OK_AND_ASSIGN(a, typed.Append(s));
      addresses.push_back(a);
    }
    ASSERT_OK(typed.raw().Close());
  }
  ASSERT_OK_AND_ASSIGN(RecordFileKind kind, DetectRecordFile(*store, "rec"));
  EXPECT_EQ(kind, f.kind);
  std::unique_ptr<RecordFile> file;
  ASSERT_OK_AND_ASSIGN(file, OpenRecordFile(store, "rec"));
  TypedLogIterator<Sample> it(file->NewIterator());
  size_t n = 0;
  while (it.Next()) {
    ASSERT_LT(n, samples.size());
    EXPECT_EQ(it.value().id, samples[n].id);
    EXPECT_EQ(it.value().name, samples[n].name);
    EXPECT_EQ(it.position(), addresses[n]);
    ++n;
  }
  ASSERT_OK(it.status());
  EXPECT_EQ(n, samples.size());
  for (size_t i = 0; i < samples.size(); i += 37) {
    std::string got;
    ASSERT_OK_AND_ASSIGN(got, file->Get(addresses[i]));
    Sample s;
    ASSERT_OK(Serializer<Sample>::Decode(got, &s));
    EXPECT_EQ(s.id, samples[i].id);
    auto seek = file->NewIterator();
    ASSERT_OK(seek->Seek(addresses[i]));
    ASSERT_TRUE(seek->Next());
    EXPECT_EQ(seek->position(), addresses[i]);
  }
  // Entry ids start at the writer's first entry (a basic file takes it too).
  auto first = file->NewIterator();
  ASSERT_TRUE(first->Next());
  EXPECT_EQ(first->entry_id(), 7u);
  uint64_t verified = 0;
  ASSERT_OK_AND_ASSIGN(verified, file->Verify());
  EXPECT_EQ(verified, samples.size());
}

INSTANTIATE_TEST_SUITE_P(
    Flavours, RecordFileTest,
    ::testing::Values(Flavour{"BlockFile", RecordFileKind::kBlockFile, LogLayout::kSingleObject,
                              CompressionType::kNone},
                      Flavour{"CompressedObjectPerBlock", RecordFileKind::kBlockFile,
                              LogLayout::kObjectPerBlock, CompressionType::kZstd},
                      Flavour{"BasicFile", RecordFileKind::kBasicFile, LogLayout::kSingleObject,
                              CompressionType::kNone},
                      Flavour{"SegmentDirectory", RecordFileKind::kSegmentDirectory,
                              LogLayout::kSingleObject, CompressionType::kLz4}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DetectRecordFileTest, TellsTheFlavoursApartAndRefusesWhatIsNoLog) {
  auto store = NewMemoryStore();
  EXPECT_TRUE(DetectRecordFile(*store, "nothing").status().IsNotFound());
  ASSERT_OK(store->Put("empty", ""));
  EXPECT_EQ(*DetectRecordFile(*store, "empty"), RecordFileKind::kEmpty);
  ASSERT_OK(store->Put("junk", "this is not a log at all, just some text"));
  EXPECT_TRUE(DetectRecordFile(*store, "junk").status().IsCorruption());
  ASSERT_OK(store->Put("short-junk", "junk, short"));  // byte 4 is no header type
  EXPECT_TRUE(DetectRecordFile(*store, "short-junk").status().IsCorruption());
  LogOptions per_block;
  per_block.layout = LogLayout::kObjectPerBlock;
  basin::testing::WriteLog(store, "blocks", per_block, {"a"});
  EXPECT_EQ(*DetectRecordFile(*store, "blocks"), RecordFileKind::kBlockFile);
  basin::testing::WriteLog(store, "single", {}, {"a"});
  EXPECT_EQ(*DetectRecordFile(*store, "single"), RecordFileKind::kBlockFile);
  const std::string whole = *store->Get("single");
  for (size_t n : {1, 20, 52}) {  // a header torn by a crash
    ASSERT_OK(store->Put("torn", whole.substr(0, n)));
    EXPECT_EQ(*DetectRecordFile(*store, "torn"), RecordFileKind::kEmpty) << n;
  }
  ASSERT_OK((*BasicRecordWriter::Open(store, "basic"))->Close());
  EXPECT_EQ(*DetectRecordFile(*store, "basic"), RecordFileKind::kBasicFile);
  ASSERT_OK((*LogDirectoryWriter::Open(store, "dir", {}))->Close());
  EXPECT_EQ(*DetectRecordFile(*store, "dir"), RecordFileKind::kSegmentDirectory);
}

// A log whose writer died before its header was whole (0 to 52 bytes) is an empty log to
// readers, to recovery and to the next writer, in both flavours that live in one object.
TEST(EmptyLogTest, AnyPrefixOfAHeaderIsAnEmptyLogToReadersRecoveryAndWriters) {
  for (RecordFileKind kind : {RecordFileKind::kBlockFile, RecordFileKind::kBasicFile}) {
    auto store = NewMemoryStore();
    {
      auto w = *OpenRecordWriter(store, "model", kind, {});
      ASSERT_OK(w->Close());
    }
    const std::string header = store->Get("model")->substr(0, 53);
    for (size_t n = 0; n < header.size(); ++n) {
      SCOPED_TRACE(std::string(RecordFileKindName(kind)) + ", " + std::to_string(n) + " bytes");
      ASSERT_OK(store->Put("log", header.substr(0, n)));
      auto file = OpenRecordFile(store, "log");
      ASSERT_OK(file);
      EXPECT_FALSE((*file)->NewIterator()->Next());
      EXPECT_EQ((*file)->Verify().ok(), n == 0);  // a torn header is damage to Verify
      EXPECT_TRUE(RecoverLog(store, "log", RecoveryMode::kStrict).ok() == (n == 0));
      auto w = OpenRecordWriter(store, "log", kind, {});
      ASSERT_OK(w);
      EXPECT_EQ((*w)->recovery().changed, n > 0);
      EXPECT_EQ((*w)->recovery().bytes_cut, n);
      ASSERT_OK((*w)->Append("first"));
      ASSERT_OK((*w)->Close());
      auto reopened = *OpenRecordFile(store, "log");
      auto it = reopened->NewIterator();
      ASSERT_TRUE(it->Next());
      EXPECT_EQ(it->value(), "first");
      EXPECT_EQ(*DetectRecordFile(*store, "log"), kind);
    }
    // Point-in-time recovery cuts a torn header to an empty object.
    ASSERT_OK(store->Put("log", header.substr(0, 30)));
    auto report = RecoverLog(store, "log", RecoveryMode::kPointInTime);
    ASSERT_OK(report);
    EXPECT_TRUE(report->emptied);
    EXPECT_EQ(*store->Get("log"), "");
  }
}

// A new log's header is in the store, durably, as soon as its writer is open.
TEST(EmptyLogTest, CreatingALogStoresItsHeaderAtOnce) {
  auto store = NewMemoryStore();
  auto w = *LogWriter::Open(store, "single", {});
  EXPECT_EQ(*store->Head("single"), 53u);
  LogOptions per_block;
  per_block.layout = LogLayout::kObjectPerBlock;
  auto w2 = *LogWriter::Open(store, "blocks", per_block);
  EXPECT_EQ(*DetectRecordFile(*store, "blocks"), RecordFileKind::kBlockFile);
  auto w3 = *BasicRecordWriter::Open(store, "basic");
  EXPECT_EQ(*store->Head("basic"), 53u);
}

// Opening a writer on a log whose last writer died repairs it as point-in-time recovery
// would, and says what it cut, in every flavour.
TEST(WriterRepairTest, OpeningAWriterOnATornTailReportsWhatItCut) {
  auto store = NewMemoryStore();
  std::vector<std::string> records;
  for (int i = 0; i < 20; ++i) records.push_back(RandomBytes(200, i));
  LogOptions o;
  o.block_size = 1024;
  // A block file, flushed, never closed, and torn.
  basin::testing::WriteLog(store, "log", o, records, /*close=*/false);
  std::string bytes = *store->Get("log");
  ASSERT_OK(store->Put("log", bytes.substr(0, bytes.size() - 5)));
  {
    auto w = *LogWriter::Open(store, "log", o);
    const RecoveryReport& r = w->recovery();
    EXPECT_TRUE(r.changed);
    EXPECT_GT(r.bytes_cut, 0u);
    ASSERT_EQ(r.damage.size(), 1u);
    EXPECT_NE(r.damage[0].find("offset"), std::string::npos) << r.damage[0];
    EXPECT_EQ(r.records_kept, records.size() - 1);
    EXPECT_NE(r.ToString().find("point-in-time"), std::string::npos);
    ASSERT_OK(w->Close());
  }
  EXPECT_FALSE((*LogWriter::Open(store, "log", o))->recovery().changed);  // closed: nothing
  // A basic file.
  {
    auto w = *BasicRecordWriter::Open(store, "basic");
    for (const auto& r : records) ASSERT_OK(w->Append(r));
    ASSERT_OK(w->Close());
  }
  bytes = *store->Get("basic");
  ASSERT_OK(store->Put("basic", bytes.substr(0, bytes.size() - 5)));
  {
    auto w = *BasicRecordWriter::Open(store, "basic");
    EXPECT_TRUE(w->recovery().changed);
    EXPECT_EQ(w->recovery().bytes_cut, 200u + 9 - 5);
    EXPECT_EQ(w->recovery().records_kept, records.size() - 1);
  }
  // A segment directory: its last segment.
  {
    LogDirectoryOptions d;
    d.log = o;
    auto w = *LogDirectoryWriter::Open(store, "dir", d);
    for (const auto& r : records) ASSERT_OK(w->Append(r));
    ASSERT_OK(w->Flush());
  }  // not closed
  const std::string segment = LogSegmentKey("dir", 0);
  bytes = *store->Get(segment);
  ASSERT_OK(store->Put(segment, bytes.substr(0, bytes.size() - 5)));
  auto w = *LogDirectoryWriter::Open(store, "dir", {});
  EXPECT_TRUE(w->recovery().changed);
  EXPECT_EQ(w->recovery().records_kept, records.size() - 1);
  EXPECT_EQ(w->next_entry(), records.size() - 1);
}

}  // namespace
}  // namespace basin
