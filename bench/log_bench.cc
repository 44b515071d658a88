// Record log benchmarks: append throughput (100 B, 1 KiB, 64 KiB records; none, lz4, zstd)
// to a file store on disk, synced at the end; the same in the object-per-block layout (each
// block a create-only put: temp file, fsync, rename, directory fsync, as on a local store);
// iteration over a cached log of 1 KiB records; seek by address, counting the reads it takes.
// bench/log_compare.sh runs these next to dd's sequential write speed and the compressors' own
// speed in the same run.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "basin/counting_store.h"
#include "basin/file_store.h"
#include "basin/log_reader.h"
#include "basin/log_writer.h"

namespace basin {
namespace {

// Where the benchmark logs go: $BASIN_BENCH_DIR, or /tmp. On the disk, not in tmpfs,
// for the append figures to mean anything.
std::string BenchDir() {
  const char* d = std::getenv("BASIN_BENCH_DIR");
  std::string dir = std::string(d && *d ? d : "/tmp") + "/basin-log-bench";
  std::filesystem::create_directories(dir);
  return dir;
}

// Text to compress ($BASIN_BENCH_SAMPLE, as util_bench uses), or random bytes.
const std::string& Sample() {
  static const std::string sample = [] {
    std::string s;
    if (const char* path = std::getenv("BASIN_BENCH_SAMPLE")) {
      std::ifstream f(path, std::ios::binary);
      s.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    if (s.empty()) {
      std::mt19937_64 rng(1);
      s.resize(8 << 20);
      for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    }
    return s;
  }();
  return sample;
}

constexpr uint64_t kLogBytes = uint64_t{256} << 20;

// Appends kLogBytes of records of `record` bytes cut from the sample, and closes (syncs).
void AppendAndClose(benchmark::State& state, const std::shared_ptr<ObjectStore>& store,
                    const std::string& key, const LogOptions& o, size_t record) {
  const std::string& sample = Sample();
  auto opened = LogWriter::Open(store, key, o);
  if (!opened.ok()) {
    state.SkipWithError("open failed");
    return;
  }
  const std::unique_ptr<LogWriter> w = std::move(opened).value();
  size_t off = 0;
  for (uint64_t done = 0; done < kLogBytes; done += record) {
    if (off + record > sample.size()) off = 0;
    if (!w->Append(std::string_view(sample).substr(off, record)).ok()) {
      state.SkipWithError("append failed");
    }
    off += record;
  }
  if (!w->Close().ok()) state.SkipWithError("close failed");  // includes fdatasync
}

void BM_Append(benchmark::State& state, CompressionType type, int level) {
  (void)Sample();  // loaded before the timing starts
  auto store = *OpenFileStore(BenchDir());
  LogOptions o;
  o.compression = {type, level};
  uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    (void)store->Delete("append.log");
    state.ResumeTiming();
    AppendAndClose(state, store, "append.log", o, static_cast<size_t>(state.range(0)));
    bytes += kLogBytes;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["file_MiB"] = static_cast<double>(*store->Head("append.log")) / (1 << 20);
}

// The object-per-block layout on the same disk: every 2 MiB block is its own object, put
// create-only, so the figure is bound by durable puts, several at a time.
void BM_AppendPerBlock(benchmark::State& state, CompressionType type, int level) {
  (void)Sample();
  auto store = *OpenFileStore(BenchDir());
  LogOptions o;
  o.compression = {type, level};
  o.layout = LogLayout::kObjectPerBlock;
  uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> keys;
    auto listed = store->ListAll("perblock/");
    if (listed.ok()) {
      for (const ObjectInfo& info : *listed) keys.push_back(info.key);
    }
    (void)store->DeleteMany(keys);
    state.ResumeTiming();
    AppendAndClose(state, store, "perblock", o, static_cast<size_t>(state.range(0)));
    bytes += kLogBytes;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// The compressor alone on the same bytes in the log's 2 MiB blocks: what a compressed
// append is measured against.
void BM_CompressBlocks(benchmark::State& state, CompressionType type, int level) {
  const std::string& sample = Sample();
  const size_t block = 2 << 20;
  Compressor c({type, level});
  std::string out;
  size_t off = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    if (off + block > sample.size()) off = 0;
    out.clear();
    (void)c.Compress(std::string_view(sample).substr(off, block), &out);
    off += block;
    bytes += block;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// A 256 MiB log of 1 KiB records, written once per process.
std::shared_ptr<ObjectStore> IterationLog() {
  static std::shared_ptr<ObjectStore> store = [] {
    auto s = *OpenFileStore(BenchDir());
    (void)s->Delete("iterate.log");
    auto w = *LogWriter::Open(s, "iterate.log", {});
    const std::string& sample = Sample();
    for (uint64_t done = 0, off = 0; done < kLogBytes; done += 1024, off += 1024) {
      if (off + 1024 > sample.size()) off = 0;
      (void)w->Append(std::string_view(sample).substr(off, 1024));
    }
    (void)w->Close();
    return s;
  }();
  return store;
}

void BM_Iterate1KiB(benchmark::State& state) {
  auto store = IterationLog();
  auto reader = *LogReader::Open(store, "iterate.log");
  uint64_t bytes = 0, records = 0;
  for (auto _ : state) {
    auto it = reader->NewIterator();
    while (it->Next()) {
      bytes += it->value().size();
      ++records;
      benchmark::DoNotOptimize(it->value().data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(records));
}

void BM_SeekByAddress(benchmark::State& state) {
  auto counting = std::make_shared<CountingStore>(IterationLog());
  auto reader = *LogReader::Open(counting, "iterate.log");
  std::vector<uint64_t> addresses;
  {
    auto it = reader->NewIterator();
    while (it->Next()) addresses.push_back(it->position());
  }
  std::mt19937_64 rng(7);
  counting->Reset();
  uint64_t seeks = 0;
  for (auto _ : state) {
    auto v = reader->Get(addresses[rng() % addresses.size()]);
    benchmark::DoNotOptimize(v);
    ++seeks;
  }
  const StoreCounts c = counting->counts();
  state.counters["reads_per_seek"] =
      static_cast<double>(c[StoreOp::kGet].requests) / static_cast<double>(seeks);
  state.counters["KiB_read_per_seek"] =
      static_cast<double>(c[StoreOp::kGet].bytes_received) / 1024.0 / static_cast<double>(seeks);
  state.SetItemsProcessed(static_cast<int64_t>(seeks));
}

#define APPEND_SIZES Arg(100)->Arg(1024)->Arg(64 << 10)
BENCHMARK_CAPTURE(BM_Append, none, CompressionType::kNone, 0)
    ->APPEND_SIZES->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Append, lz4, CompressionType::kLz4, 1)
    ->APPEND_SIZES->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Append, zstd_1, CompressionType::kZstd, 1)
    ->APPEND_SIZES->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AppendPerBlock, none, CompressionType::kNone, 0)
    ->Arg(1024)
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AppendPerBlock, zstd_1, CompressionType::kZstd, 1)
    ->Arg(1024)
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CompressBlocks, lz4, CompressionType::kLz4, 1);
BENCHMARK_CAPTURE(BM_CompressBlocks, zstd_1, CompressionType::kZstd, 1);
BENCHMARK(BM_Iterate1KiB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SeekByAddress);

}  // namespace
}  // namespace basin

BENCHMARK_MAIN();
