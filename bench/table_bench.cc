// Sorted table micro-benchmarks on one table of 1M entries (16-byte keys, 100-byte values)
// in a file store: full scan, point lookups of present and absent keys. For profiling;
// bench/table_compare.cc measures against RocksDB and LevelDB.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "basin/file_store.h"
#include "basin/table.h"
#include "table/bloom.h"

namespace basin {
namespace {

constexpr int kEntries = 1000000;

void Key(int i, char* out) { std::snprintf(out, 17, "%016d", i * 2); }

std::unique_ptr<TableReader>& Reader() {
  static std::shared_ptr<ObjectStore> store = *OpenFileStore("/tmp/basin-table-bench");
  static std::unique_ptr<TableReader> reader = [] {
    TableOptions o;
    auto b = *TableBuilder::Open(store, "t", o);
    char k[17];
    const std::string value(100, 'v');
    for (int i = 0; i < kEntries; ++i) {
      Key(i, k);
      (void)b->Add(std::string_view(k, 16), value);
    }
    (void)b->Finish();
    o.block_cache = std::make_shared<BlockCache>(8 << 20);
    auto r = *TableReader::Open(store, "t", o);
    (void)r->FetchAndLoadMetadata();
    return r;
  }();
  return reader;
}

void BM_Scan(benchmark::State& state) {
  auto& r = Reader();
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto it = r->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) bytes += it->key().size() + it->value().size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_Get(benchmark::State& state) {
  auto& r = Reader();
  std::mt19937 rng(1);
  char k[17];
  std::string v;
  for (auto _ : state) {
    Key(static_cast<int>(rng() % kEntries), k);
    if (state.range(0)) k[15] += 1;  // odd: absent
    benchmark::DoNotOptimize(r->GetRow(std::string_view(k, 16), &v));
  }
}

void BM_Build(benchmark::State& state) {
  auto store = *OpenFileStore("/tmp/basin-table-bench");
  char k[17];
  const std::string value(100, 'v');
  for (auto _ : state) {
    auto b = *TableBuilder::Open(store, "build", {});
    for (int i = 0; i < kEntries; ++i) {
      Key(i, k);
      (void)b->Add(std::string_view(k, 16), value);
    }
    (void)b->Finish();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kEntries * 116);
}

// The filter's measured false-positive rate: 1M keys in, 1M other keys probed.
void BM_BloomFalsePositives(benchmark::State& state) {
  const int bits = static_cast<int>(state.range(0));
  double rate = 0;
  for (auto _ : state) {
    table::BloomBuilder b(bits);
    char k[17];
    for (int i = 0; i < kEntries; ++i) {
      Key(i, k);
      b.AddKey(std::string_view(k, 16));
    }
    const std::string filter = b.Finish();
    auto reader = *table::BloomReader::Parse(filter);
    int passed = 0;
    for (int i = 0; i < kEntries; ++i) {
      Key(i, k);
      k[15] += 1;  // odd numbers: never added
      passed += reader.MayContain(table::BloomHash(std::string_view(k, 16)));
    }
    rate = static_cast<double>(passed) / kEntries;
    state.counters["estimate_pct"] = 100 * reader.EstimateFalsePositiveRate();
  }
  state.counters["measured_pct"] = 100 * rate;
}

BENCHMARK(BM_Build)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BloomFalsePositives)->Arg(10)->Arg(16)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Scan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Get)->Arg(0)->Arg(1);

}  // namespace
}  // namespace basin

BENCHMARK_MAIN();
