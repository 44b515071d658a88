// Throughput of the checksum, hash and compression wrappers at 4 KiB and 1 MiB, to compare
// with the libraries' own command-line tools (bench/compare_tools.sh).
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "basin/blake3.h"
#include "basin/checksum.h"
#include "basin/compression.h"

namespace basin {
namespace {

// Bytes that compress about as well as typical files (~2.5-3x with zstd): words drawn
// from a small vocabulary, with random numbers mixed in.
std::string TextLike(size_t n) {
  static const char* kWords[] = {"block",   "record", "the", "index",    "of",  "table", "grain",
                                 "stratum", "offset", "and", "checksum", "key", "value"};
  std::mt19937_64 rng(42);
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % 13];
    s += ' ';
    if (rng() % 4 == 0) s += std::to_string(rng() % 100000) + ' ';
  }
  s.resize(n);
  return s;
}

std::string Random(size_t n) {
  std::mt19937_64 rng(7);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

template <typename F>
void RunOver(benchmark::State& state, const std::string& data, F&& f) {
  for (auto _ : state) benchmark::DoNotOptimize(f(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size()));
}

void BM_Crc32c(benchmark::State& state) {
  RunOver(state, Random(state.range(0)), [](const std::string& d) { return Crc32c(d); });
}
void BM_Xxh3_64(benchmark::State& state) {
  RunOver(state, Random(state.range(0)), [](const std::string& d) { return Xxh3_64(d); });
}
void BM_Xxh64(benchmark::State& state) {
  RunOver(state, Random(state.range(0)), [](const std::string& d) { return Xxh64(d); });
}
void BM_Xxh32(benchmark::State& state) {
  RunOver(state, Random(state.range(0)), [](const std::string& d) { return Xxh32(d); });
}
void BM_Blake3(benchmark::State& state) {
  RunOver(state, Random(state.range(0)),
          [](const std::string& d) { return Blake3Hash(d).bytes[0]; });
}

void Compress(benchmark::State& state, CompressionType type, int level) {
  const std::string data = TextLike(state.range(0));
  Compressor c({type, level});
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!c.Compress(data, &out).ok()) state.SkipWithError("compress failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.counters["ratio"] = static_cast<double>(data.size()) / static_cast<double>(out.size());
}

void Decompress(benchmark::State& state, CompressionType type, int level) {
  const std::string data = TextLike(state.range(0));
  std::string packed, out;
  Compressor c({type, level});
  if (!c.Compress(data, &packed).ok()) state.SkipWithError("compress failed");
  Decompressor d;
  for (auto _ : state) {
    out.clear();
    if (!d.Decompress(type, packed, data.size(), &out).ok()) state.SkipWithError("failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

#define SIZES Arg(4 << 10)->Arg(1 << 20)
BENCHMARK(BM_Crc32c)->SIZES;
BENCHMARK(BM_Xxh3_64)->SIZES;
BENCHMARK(BM_Xxh64)->SIZES;
BENCHMARK(BM_Xxh32)->SIZES;
BENCHMARK(BM_Blake3)->SIZES;
BENCHMARK_CAPTURE(Compress, lz4, CompressionType::kLz4, 1)->SIZES;
BENCHMARK_CAPTURE(Compress, zstd_1, CompressionType::kZstd, 1)->SIZES;
BENCHMARK_CAPTURE(Compress, zstd_3, CompressionType::kZstd, 3)->SIZES;
BENCHMARK_CAPTURE(Decompress, lz4, CompressionType::kLz4, 1)->SIZES;
BENCHMARK_CAPTURE(Decompress, zstd_1, CompressionType::kZstd, 1)->SIZES;
BENCHMARK_CAPTURE(Decompress, zstd_3, CompressionType::kZstd, 3)->SIZES;

}  // namespace
}  // namespace basin

BENCHMARK_MAIN();
