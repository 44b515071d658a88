// The stages of a blob put, each alone, on 1 and 2 threads (BENCHMARKS.md, "Blob put"):
// FastCDC chunking (repo::Chunker), the keyed BLAKE3 grain id, zstd -3, XChaCha20-Poly1305
// sealing, and EncodeGrain (compress, seal, header: what a put does per grain). Data: the
// file named by BASIN_BENCH_DATA (bench/repo_put.sh makes it from the put's own files),
// else the first 256 MiB of /usr/lib/x86_64-linux-gnu's files; held in memory. Rates are
// bytes of input per second of wall time, both threads together.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "basin/compression.h"
#include "repo/chunker.h"
#include "repo/grain.h"
#include "repo/keys.h"

namespace basin {
namespace {

constexpr size_t kSample = size_t{256} << 20, kPiece = size_t{1} << 20;

const std::string& Sample() {
  static const std::string data = [] {
    std::string out;
    if (const char* path = std::getenv("BASIN_BENCH_DATA")) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      out = s.str();
    } else {
      for (const auto& e : std::filesystem::recursive_directory_iterator(
               "/usr/lib/x86_64-linux-gnu",
               std::filesystem::directory_options::skip_permission_denied)) {
        if (out.size() >= kSample) break;
        if (!e.is_regular_file() || e.is_symlink()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        out += s.str();
      }
    }
    if (out.size() > kSample) out.resize(kSample);
    if (out.size() < 4 * kPiece) std::abort();
    return out;
  }();
  return data;
}

const repo::Keys& TheKeys() {
  static const repo::Keys keys = [] {
    std::array<uint8_t, kAeadKeySize> master{};
    RandomBytes(master);
    return repo::Keys::FromMaster(SecretKey(master));
  }();
  return keys;
}

// Runs fn over successive 1 MiB pieces of the sample; each thread starts elsewhere.
template <typename Fn>
void OverPieces(benchmark::State& state, Fn fn) {
  const std::string& d = Sample();
  const size_t pieces = d.size() / kPiece;
  size_t i = static_cast<size_t>(state.thread_index()) * pieces / 2;
  for (auto _ : state) {
    fn(std::string_view(d).substr((i++ % pieces) * kPiece, kPiece));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPiece));
}

void BM_Chunk(benchmark::State& state) {
  const ChunkerParams p{static_cast<uint32_t>(state.range(0) << 10),
                        static_cast<uint32_t>(state.range(1) << 10),
                        static_cast<uint32_t>(state.range(2) << 10)};
  const repo::Chunker chunker(TheKeys().GearTable(), p);
  const std::string& d = Sample();
  size_t at = static_cast<size_t>(state.thread_index()) * d.size() / 2;
  int64_t bytes = 0;
  for (auto _ : state) {
    if (d.size() - at < p.max_size) at = 0;
    const size_t n = chunker.Cut(std::string_view(d).substr(at, p.max_size));
    benchmark::DoNotOptimize(n);
    at += n;
    bytes += static_cast<int64_t>(n);
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_Chunk)
    ->ArgNames({"minK", "avgK", "maxK"})
    ->Args({256, 512, 2048})
    ->Args({128, 512, 2048})
    ->Args({512, 1024, 8192})
    ->Args({256, 1024, 4096})
    ->Args({512, 2048, 8192})
    ->Args({2048, 4096, 8192})
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_GrainId(benchmark::State& state) {
  OverPieces(state, [](std::string_view piece) {
    benchmark::DoNotOptimize(TheKeys().GrainId(static_cast<uint8_t>(GrainType::kChunk), piece));
  });
}
BENCHMARK(BM_GrainId)->Threads(1)->Threads(2)->UseRealTime();

void BM_Zstd3(benchmark::State& state) {
  Compressor c(CompressionOptions{CompressionType::kZstd, 3});
  std::string out;
  OverPieces(state, [&](std::string_view piece) {
    out.clear();
    if (!c.Compress(piece, &out).ok()) std::abort();
  });
}
BENCHMARK(BM_Zstd3)->Threads(1)->Threads(2)->UseRealTime();

void BM_SealXChaCha(benchmark::State& state) {
  std::string out;
  OverPieces(state, [&](std::string_view piece) {
    out.clear();
    TheKeys().SealGrain(piece, "associated data of a grain", &out);
  });
}
BENCHMARK(BM_SealXChaCha)->Threads(1)->Threads(2)->UseRealTime();

void BM_EncodeGrain(benchmark::State& state) {
  repo::GrainCodec codec(CompressionOptions{CompressionType::kZstd, 3});
  std::string out;
  const std::string basin_id(16, 'b');
  OverPieces(state, [&](std::string_view piece) {
    out.clear();
    const auto id = TheKeys().GrainId(static_cast<uint8_t>(GrainType::kChunk), piece);
    repo::EncodeGrain(TheKeys(), basin_id, static_cast<uint8_t>(GrainType::kChunk), id, piece,
                      &codec, &out);
  });
}
BENCHMARK(BM_EncodeGrain)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace basin

BENCHMARK_MAIN();
