// The basin index's point lookups against RocksDB and LevelDB holding the same ids
// (BENCHMARKS.md, "Index lookups against RocksDB and LevelDB"). Keys: SyntheticId(1, i),
// 32 bytes, i < N; absent: SyntheticId(2, i). Values: 14 bytes, as long as an index
// entry's. Each library is configured for point lookups as its documentation says:
// RocksDB Options::OptimizeForPointLookup(64) (10-bit bloom filter, hash-indexed data
// blocks, a 64 MiB block cache), LevelDB a 10-bit bloom filter policy and a 64 MiB LRU
// block cache; neither compresses (random ids do not compress). The basin side is
// index_bench lookup on a basin made by index_bench make with the same N.
//   index_compare build rocksdb|leveldb DIR --grains N
//   index_compare lookup rocksdb|leveldb DIR --grains N [--lookups L]
#include <fmt/format.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <random>

#include "repo_bench_util.h"

namespace basin::bench {
namespace {

constexpr size_t kValue = 14;

std::vector<GrainId> SortedIds(uint64_t n) {
  std::vector<GrainId> ids(n);
  for (uint64_t i = 0; i < n; ++i) ids[i] = SyntheticId(1, i);
  std::sort(ids.begin(), ids.end(),
            [](const GrainId& a, const GrainId& b) { return a.view() < b.view(); });
  return ids;
}

std::string Value(const GrainId& id) { return std::string(id.view().substr(8, kValue)); }

rocksdb::Options RocksOptions() {
  rocksdb::Options o;
  o.OptimizeForPointLookup(64);
  o.compression = rocksdb::kNoCompression;
  o.create_if_missing = true;
  return o;
}

leveldb::Options LevelOptions() {
  leveldb::Options o;
  o.filter_policy = leveldb::NewBloomFilterPolicy(10);
  o.block_cache = leveldb::NewLRUCache(64 << 20);
  o.compression = leveldb::kNoCompression;
  o.create_if_missing = true;
  return o;
}

void BuildRocks(const std::string& dir, const std::vector<GrainId>& ids) {
  const auto o = RocksOptions();
  rocksdb::SstFileWriter w(rocksdb::EnvOptions(), o);
  const std::string sst = dir + ".sst";
  if (!w.Open(sst).ok()) std::abort();
  for (const auto& id : ids) {
    if (!w.Put(rocksdb::Slice(id.view().data(), 32), Value(id)).ok()) std::abort();
  }
  if (!w.Finish().ok()) std::abort();
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(o, dir, &raw).ok()) std::abort();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  if (!db->IngestExternalFile({sst}, ingest).ok()) std::abort();
}

void BuildLevel(const std::string& dir, const std::vector<GrainId>& ids) {
  auto o = LevelOptions();
  leveldb::DB* raw = nullptr;
  if (!leveldb::DB::Open(o, dir, &raw).ok()) std::abort();
  std::unique_ptr<leveldb::DB> db(raw);
  for (size_t i = 0; i < ids.size(); i += 10000) {
    leveldb::WriteBatch b;
    for (size_t k = i; k < std::min(ids.size(), i + 10000); ++k) {
      b.Put(leveldb::Slice(ids[k].view().data(), 32), Value(ids[k]));
    }
    if (!db->Write(leveldb::WriteOptions(), &b).ok()) std::abort();
  }
  db->CompactRange(nullptr, nullptr);
  db.reset();
  delete o.filter_policy;
  delete o.block_cache;
}

// Get of `n` random ids of family `seed`; each must be found iff `expect`.
template <typename Get>
double Lookups(uint64_t seed, uint64_t range, uint64_t n, bool expect, Get get) {
  std::mt19937_64 rng(seed * 7 + 1);
  const auto t0 = Clock::now();
  for (uint64_t k = 0; k < n; ++k) {
    if (get(SyntheticId(seed, rng() % range)) != expect) {
      fmt::print(stderr, "a lookup answered wrong\n");
      std::exit(1);
    }
  }
  return n / Seconds(t0);
}

int Lookup(const std::string& which, const std::string& dir, uint64_t grains, uint64_t n) {
  const Memory before = ReadMemory();
  const auto t0 = Clock::now();
  std::function<bool(const GrainId&)> get;
  std::unique_ptr<rocksdb::DB> rdb;
  std::unique_ptr<leveldb::DB> ldb;
  leveldb::Options lo = LevelOptions();
  std::string v;
  if (which == "rocksdb") {
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::OpenForReadOnly(RocksOptions(), dir, &raw).ok()) std::abort();
    rdb.reset(raw);
    get = [&](const GrainId& id) {
      return rdb->Get(rocksdb::ReadOptions(), rocksdb::Slice(id.view().data(), 32), &v).ok();
    };
  } else {
    leveldb::DB* raw = nullptr;
    if (!leveldb::DB::Open(lo, dir, &raw).ok()) std::abort();
    ldb.reset(raw);
    get = [&](const GrainId& id) {
      return ldb->Get(leveldb::ReadOptions(), leveldb::Slice(id.view().data(), 32), &v).ok();
    };
  }
  const double open_s = Seconds(t0);
  const Memory opened = ReadMemory();
  const double present = Lookups(1, grains, n, true, get);
  const double absent = Lookups(2, grains, n, false, get);
  const Memory after = ReadMemory();
  fmt::print("lookup {} {}: {} grains: open {:.3f} s; present {:.0f}/s, absent {:.0f}/s; {}\n",
             which, dir, grains, open_s, present, absent,
             MemoryReport(before, opened, after, grains));
  return 0;
}

int Main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 1);
  if (a.words.size() != 3 || (a.words[1] != "rocksdb" && a.words[1] != "leveldb")) {
    fmt::print(stderr, "usage: index_compare build|lookup rocksdb|leveldb DIR --grains N\n");
    return 2;
  }
  const uint64_t grains = a.Number("--grains", 1000000);
  if (a.words[0] == "build") {
    const auto t0 = Clock::now();
    const auto ids = SortedIds(grains);
    if (a.words[1] == "rocksdb") {
      BuildRocks(a.words[2], ids);
    } else {
      BuildLevel(a.words[2], ids);
    }
    fmt::print("built {} {}: {} ids in {:.1f} s\n", a.words[1], a.words[2], grains, Seconds(t0));
    return 0;
  }
  return Lookup(a.words[1], a.words[2], grains, a.Number("--lookups", 1000000));
}

}  // namespace
}  // namespace basin::bench

int main(int argc, char** argv) { return basin::bench::Main(argc, argv); }
