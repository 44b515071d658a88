// The global index at scale (BENCHMARKS.md, "Index memory and lookups"): synthetic basins
// of millions of grains, their index tables written with repo::WriteIndexTable and
// committed through the real journal code (no strata: lookups never read them).
//   index_bench make DIR --grains N [--tables T] [--per-stratum 64]
//   index_bench compact DIR
//   index_bench lookup DIR --grains N [--lookups L] [--cache-mib M]
// Grain i of the basin has the id SyntheticId(1, i); SyntheticId(2, i) are never present.
// lookup opens the basin with Basin::Open and calls Has() on random present ids, then
// random absent ones; it reports lookups per second and the process's resident memory
// (VmRSS, VmHWM from /proc/self/status) above what it was before opening, per grain.
#include <fmt/format.h>

#include <random>

#include "basin/maintenance.h"
#include "basin/store_url.h"
#include "repo/basin_impl.h"
#include "repo/index.h"
#include "repo_bench_util.h"

namespace basin::bench {
namespace {

constexpr char kPassword[] = "bench-password";

BasinOptions Options(const std::string& dir, uint64_t cache_mib) {
  BasinOptions o;
  auto store = OpenStore(dir);
  Check(store.status(), dir);
  o.store = *store;
  if (cache_mib != ~uint64_t{0}) o.block_cache = std::make_shared<BlockCache>(cache_mib << 20);
  return o;
}

// The inputs of one commit: grains [first, last) in strata of `per_stratum` grains.
std::vector<repo::IndexInput> Inputs(uint64_t first, uint64_t last, uint64_t per_stratum) {
  std::mt19937_64 rng(first);
  std::vector<repo::IndexInput> inputs;
  for (uint64_t i = first; i < last; ++i) {
    if ((i - first) % per_stratum == 0) {
      inputs.push_back({});
      inputs.back().stratum.id = repo::RandomName();
    }
    repo::IndexInput& in = inputs.back();
    repo::GrainEntry e;
    e.id = SyntheticId(1, i);
    e.raw_length = (256 << 10) + rng() % (512 << 10);  // 256 to 768 KiB: 512 KiB chunks
    e.length = e.raw_length / 2 + rng() % (e.raw_length / 2);
    e.offset = in.stratum.size;
    e.type = static_cast<uint8_t>(GrainType::kChunk);
    in.stratum.size += e.length;
    in.stratum.grains++;
    in.grains.push_back(e);
  }
  return inputs;
}

int Make(const Args& a) {
  const std::string dir = a.words.at(1);
  const uint64_t grains = a.Number("--grains", 1000000), tables = a.Number("--tables", 1);
  const uint64_t per_stratum = a.Number("--per-stratum", 64);
  InitOptions init;
  init.password = kPassword;
  init.kdf = {1, uint64_t{8} << 20};
  auto basin = Basin::Init(Options(dir, ~uint64_t{0}), init);
  Check(basin.status(), "init " + dir);
  auto* impl = static_cast<repo::BasinImpl*>(basin->get());
  const auto t0 = Clock::now();
  uint64_t bytes = 0;
  for (uint64_t t = 0; t < tables; ++t) {
    auto inputs = Inputs(grains * t / tables, grains * (t + 1) / tables, per_stratum);
    auto ref = repo::WriteIndexTable(impl->hot(), inputs, impl->keys());
    Check(ref.status(), "index table");
    bytes += ref->size;
    repo::JournalRecord record;
    record.tables.push_back(*ref);
    for (const auto& in : inputs) record.strata.push_back(in.stratum);
    Check(impl->CommitRecord(record).status(), "commit");
  }
  fmt::print(
      "made {}: {} grains in {} index tables, {:.1f} MiB of tables ({:.1f} bytes per "
      "grain), {:.1f} s\n",
      dir, grains, tables, bytes / double(1 << 20), double(bytes) / grains, Seconds(t0));
  return 0;
}

int Compact(const Args& a) {
  const std::string dir = a.words.at(1);
  auto basin = Basin::Open(Options(dir, ~uint64_t{0}), kPassword);
  Check(basin.status(), "open " + dir);
  const auto t0 = Clock::now();
  auto report = CompactIndex(**basin, 2);
  Check(report.status(), "compact");
  fmt::print("compacted {}: {} tables -> {}, {} entries, {:.1f} MiB written, {:.1f} s\n", dir,
             report->tables_before, report->tables_after, report->entries,
             report->bytes_written / double(1 << 20), Seconds(t0));
  return 0;
}

// Has() on `n` random ids of family `seed` below `range`; all must answer `expect`.
double Lookups(Basin& basin, uint64_t seed, uint64_t range, uint64_t n, bool expect) {
  std::mt19937_64 rng(seed * 7 + 1);
  const auto t0 = Clock::now();
  for (uint64_t k = 0; k < n; ++k) {
    auto has = basin.Has(SyntheticId(seed, rng() % range));
    Check(has.status(), "Has");
    if (*has != expect) {
      fmt::print(stderr, "Has answered {} for an id that is {}\n", *has,
                 expect ? "present" : "absent");
      std::exit(1);
    }
  }
  return n / Seconds(t0);
}

int Lookup(const Args& a) {
  const std::string dir = a.words.at(1);
  const uint64_t grains = a.Number("--grains", 1000000), n = a.Number("--lookups", 1000000);
  const uint64_t cache_mib = a.Number("--cache-mib", ~uint64_t{0});
  const Memory before = ReadMemory();
  const auto t0 = Clock::now();
  auto basin = Basin::Open(Options(dir, cache_mib), kPassword);
  Check(basin.status(), "open " + dir);
  const double open_s = Seconds(t0);
  const Memory opened = ReadMemory();
  const double present = Lookups(**basin, 1, grains, n, true);
  const double absent = Lookups(**basin, 2, grains, n, false);
  const Memory after = ReadMemory();
  fmt::print(
      "lookup {}: {} grains, cache {}: open {:.3f} s; present {:.0f}/s, absent {:.0f}/s; {}\n", dir,
      grains,
      cache_mib == ~uint64_t{0} ? std::string("default (64 MiB)")
                                : fmt::format("{} MiB", cache_mib),
      open_s, present, absent, MemoryReport(before, opened, after, grains));
  return 0;
}

int Main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 1);
  const std::string verb = a.words.empty() ? "" : a.words[0];
  if (verb == "make" && a.words.size() == 2) return Make(a);
  if (verb == "compact" && a.words.size() == 2) return Compact(a);
  if (verb == "lookup" && a.words.size() == 2) return Lookup(a);
  fmt::print(stderr, "usage: index_bench make|compact|lookup DIR [flags] (see the source)\n");
  return 2;
}

}  // namespace
}  // namespace basin::bench

int main(int argc, char** argv) { return basin::bench::Main(argc, argv); }
