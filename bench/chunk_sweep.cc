// Dedup ratio against chunk size on versioned data (BENCHMARKS.md, "Chunk size").
//   chunk_sweep --params 512:1024:8192,256:1024:8192,... FILE...
// FILEs are successive versions of the same data (oldest first). For each candidate
// (min:avg:max, KiB) it cuts every version with repo::Chunker (the basin's code, a keyed
// gear table as in an encrypted basin), ids the chunks with keyed BLAKE3 and reports:
// bytes of all versions against the bytes of the distinct chunks (raw and after zstd -3,
// as grains are stored), chunk counts, the metadata this costs (clast lists of every
// version and an index table of the distinct chunks, both written by the basin's code),
// and chunking throughput on one core (Cut alone, the data in memory).
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "basin/compression.h"
#include "basin/store_url.h"
#include "repo/basin_format.h"
#include "repo/chunker.h"
#include "repo/clast.h"
#include "repo/index.h"
#include "repo_bench_util.h"

namespace basin::bench {
namespace {

struct Row {
  ChunkerParams p;
  uint64_t total = 0, chunks = 0, unique_chunks = 0, unique_bytes = 0, stored_bytes = 0;
  uint64_t later_new = 0;  // distinct bytes first seen in versions after the first
  uint64_t clast_bytes = 0, index_bytes = 0;
  double chunk_seconds = 0;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Clast lists of one version as PutBlob writes them: lists of at most kMaxClastEntries.
uint64_t ClastBytes(const std::vector<repo::ClastEntry>& entries) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < entries.size(); i += repo::kMaxClastEntries) {
    repo::ClastList list{0, {}};
    list.entries.assign(entries.begin() + i,
                        entries.begin() + std::min(entries.size(), i + repo::kMaxClastEntries));
    bytes += repo::EncodeClastList(list).size();
  }
  return bytes;
}

// The index table of the distinct chunks, in strata of 32 MiB (stored sizes).
uint64_t IndexBytes(const std::vector<repo::GrainEntry>& grains, const repo::Keys& keys) {
  auto store = OpenStore("mem://").value();
  std::vector<repo::IndexInput> inputs;
  uint64_t in_stratum = 0;
  for (const auto& g : grains) {
    if (inputs.empty() || in_stratum >= (32u << 20)) {
      inputs.push_back({});
      inputs.back().stratum.id = repo::RandomName();
      in_stratum = 0;
    }
    repo::GrainEntry e = g;
    e.offset = in_stratum;
    in_stratum += e.length;
    inputs.back().grains.push_back(e);
    inputs.back().stratum.grains++;
    inputs.back().stratum.size = in_stratum;
  }
  auto ref = repo::WriteIndexTable(store.get(), inputs, keys);
  Check(ref.status(), "index table");
  return ref->size;
}

Row Sweep(const ChunkerParams& p, const std::vector<std::string>& versions,
          const repo::Keys& keys) {
  Row r;
  r.p = p;
  const repo::Chunker chunker(keys.GearTable(), p);
  Compressor zstd(CompressionOptions{CompressionType::kZstd, 3});
  absl::flat_hash_set<std::array<uint8_t, 32>> seen;  // distinct chunk ids
  std::vector<repo::GrainEntry> distinct;
  std::string compressed;
  std::vector<size_t> cuts;
  for (size_t v = 0; v < versions.size(); ++v) {
    std::string_view data = versions[v];
    r.total += data.size();
    cuts.clear();
    const auto t0 = Clock::now();
    for (size_t at = 0; at < data.size();) {
      const size_t n = chunker.Cut(data.substr(at));
      cuts.push_back(n);
      at += n;
    }
    r.chunk_seconds += Seconds(t0);
    std::vector<repo::ClastEntry> entries;
    size_t at = 0;
    for (size_t n : cuts) {
      const std::string_view chunk = data.substr(at, n);
      at += n;
      const GrainId id = keys.GrainId(static_cast<uint8_t>(GrainType::kChunk), chunk);
      entries.push_back({id, n});
      if (!seen.insert(id.bytes).second) continue;
      compressed.clear();
      Check(zstd.Compress(chunk, &compressed), "zstd");
      const uint64_t stored = std::min(compressed.size(), chunk.size()) + repo::kGrainHeaderSize;
      r.unique_bytes += n;
      r.stored_bytes += stored;
      if (v > 0) r.later_new += n;
      repo::GrainEntry e;
      e.id = id;
      e.length = stored;
      e.type = static_cast<uint8_t>(GrainType::kChunk);
      e.raw_length = n;
      distinct.push_back(e);
    }
    r.chunks += cuts.size();
    r.clast_bytes += ClastBytes(entries);
  }
  r.unique_chunks = distinct.size();
  r.index_bytes = IndexBytes(distinct, keys);
  return r;
}

void Print(const Row& r, size_t versions) {
  const double mib = 1 << 20;
  const uint64_t meta = r.clast_bytes + r.index_bytes;
  fmt::print(
      "| {}K/{}K/{}K | {:.3f} | {:.3f} | {:.1f} | {} / {} | {:.0f} | {:.1f} | {:.1f} KiB + {:.1f} "
      "KiB = {:.3f}% | {:.0f} |\n",
      r.p.min_size >> 10, r.p.avg_size >> 10, r.p.max_size >> 10, double(r.total) / r.unique_bytes,
      double(r.total) / r.stored_bytes, r.unique_bytes / mib, r.chunks, r.unique_chunks,
      double(r.unique_bytes) / r.unique_chunks / 1024, r.later_new / mib / double(versions - 1),
      r.clast_bytes / 1024.0, r.index_bytes / 1024.0, 100.0 * meta / r.stored_bytes,
      r.total / mib / r.chunk_seconds);
}

int Main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv, 1);
  if (args.words.size() < 2) {
    fmt::print(stderr, "usage: chunk_sweep --params min:avg:max,... FILE FILE...\n");
    return 2;
  }
  std::vector<std::string> versions;
  uint64_t total = 0;
  for (const auto& f : args.words) {
    versions.push_back(ReadFile(f));
    total += versions.back().size();
  }
  std::array<uint8_t, kAeadKeySize> master{};
  RandomBytes(master);
  const repo::Keys keys = repo::Keys::FromMaster(SecretKey(master));
  fmt::print("{} versions, {:.1f} MiB in all\n\n", versions.size(), total / double(1 << 20));
  fmt::print(
      "| min/avg/max | dedup (raw) | dedup (stored, zstd -3) | distinct MiB | chunks (all "
      "versions / distinct) | mean distinct chunk KiB | new MiB per later version | metadata: "
      "clast lists + index table = share of stored | Cut MiB/s, 1 core |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|\n");
  std::stringstream list(args.Flag("--params", "512:1024:8192"));
  std::string item;
  while (std::getline(list, item, ',')) {
    const ChunkerParams p = ParseChunker(item);
    Check(repo::ValidateChunkerParams(p), item);
    Print(Sweep(p, versions, keys), versions.size());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace basin::bench

int main(int argc, char** argv) { return basin::bench::Main(argc, argv); }
