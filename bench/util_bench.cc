// Throughput of the checksum, hash and compression wrappers at 4 KiB and 1 MiB, to compare
// with the libraries' own command-line tools (bench/compare_tools.sh).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "basin/blake3.h"
#include "basin/checksum.h"
#include "basin/compression.h"

namespace basin {
namespace {

// The bytes to compress: the first n bytes of $BASIN_BENCH_SAMPLE (repeated if short),
// so that bench/compare_tools.sh can run zstd and lz4 on the very same bytes; without
// it, words from a small vocabulary with random numbers mixed in.
std::string TextLike(size_t n) {
  if (const char* path = std::getenv("BASIN_BENCH_SAMPLE")) {
    std::ifstream f(path, std::ios::binary);
    std::string sample((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (!sample.empty()) {
      std::string s;
      while (s.size() < n) s += sample;
      s.resize(n);
      return s;
    }
  }
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

// Compression works through an 8 MiB text in blocks of the benchmark's size, each block
// different, as zstd -b -B and lz4 -b do.
constexpr size_t kCorpusSize = size_t{8} << 20;

void Compress(benchmark::State& state, CompressionType type, int level) {
  const std::string corpus = TextLike(kCorpusSize);
  const size_t block = static_cast<size_t>(state.range(0));
  Compressor c({type, level});
  std::string out;
  size_t off = 0, in_bytes = 0, out_bytes = 0;
  for (auto _ : state) {
    out.clear();
    if (!c.Compress(std::string_view(corpus).substr(off, block), &out).ok()) {
      state.SkipWithError("compress failed");
    }
    in_bytes += block;
    out_bytes += out.size();
    off = (off + block) % kCorpusSize;
  }
  state.SetBytesProcessed(static_cast<int64_t>(in_bytes));
  state.counters["ratio"] = static_cast<double>(in_bytes) / static_cast<double>(out_bytes);
}

void Decompress(benchmark::State& state, CompressionType type, int level) {
  const std::string corpus = TextLike(kCorpusSize);
  const size_t block = static_cast<size_t>(state.range(0));
  Compressor c({type, level});
  std::vector<std::string> packed;
  for (size_t off = 0; off < kCorpusSize; off += block) {
    packed.emplace_back();
    if (!c.Compress(std::string_view(corpus).substr(off, block), &packed.back()).ok()) {
      state.SkipWithError("compress failed");
    }
  }
  Decompressor d;
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    out.clear();
    if (!d.Decompress(type, packed[i], block, &out).ok()) state.SkipWithError("failed");
    benchmark::DoNotOptimize(out.data());
    bytes += block;
    i = (i + 1) % packed.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

#define SIZES Arg(4 << 10)->Arg(1 << 20)
BENCHMARK(BM_Crc32c)->SIZES;
BENCHMARK(BM_Xxh3_64)->SIZES;
BENCHMARK(BM_Xxh64)->SIZES;
BENCHMARK(BM_Xxh32)->SIZES;
BENCHMARK(BM_Blake3)->SIZES->Arg(64 << 20);
BENCHMARK_CAPTURE(Compress, lz4, CompressionType::kLz4, 1)->SIZES;
BENCHMARK_CAPTURE(Compress, zstd_1, CompressionType::kZstd, 1)->SIZES;
BENCHMARK_CAPTURE(Compress, zstd_3, CompressionType::kZstd, 3)->SIZES;
BENCHMARK_CAPTURE(Decompress, lz4, CompressionType::kLz4, 1)->SIZES;
BENCHMARK_CAPTURE(Decompress, zstd_1, CompressionType::kZstd, 1)->SIZES;
BENCHMARK_CAPTURE(Decompress, zstd_3, CompressionType::kZstd, 3)->SIZES;

}  // namespace
}  // namespace basin

BENCHMARK_MAIN();
