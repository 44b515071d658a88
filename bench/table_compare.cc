// The sorted table against RocksDB and LevelDB (Debian's librocksdb-dev and libleveldb-dev),
// in one run, on the same keys: 16-byte keys, 100-byte values (or 32-byte random keys and
// 16-byte values), same block size (4 KiB), 10-bit bloom filters, a 64 MiB block cache
// each, files in the page cache.
//   table_compare [--entries N] [--lookups N] [--dir DIR] [--block-size B] [--basin-only 1]
//                 [--keys decimal16|random32] [--compression none|zstd|both]
//                 [--partition-size B] [--restart-interval N] (basin's, for measuring them)
// Rows: build MB/s (finished and synced), random point lookups per second for present and
// absent keys, full scan MB/s, file size, bytes of heap per key taken by opening the table
// held in memory by a reader (the index and filter blocks, as each table reports them).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <leveldb/cache.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>

#include "basin/file_store.h"
#include "basin/table.h"
#include "bench_check.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}
// The entries' shape: 16-byte decimal keys and 100-byte values (the default), or 32-byte
// random keys, as content ids, with 16-byte values (--keys random32).
struct Shape {
  size_t key = 16, value = 100;
  bool random = false;
  std::vector<std::array<char, 32>> sorted;  // random: the keys, in bytewise order
};
Shape g;
constexpr size_t kMaxKey = 32, kMaxValue = 100;

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void RandomKey(uint64_t seed, char* out) {
  for (int w = 0; w < 4; ++w) {
    const uint64_t v = SplitMix(seed * 4 + w);
    std::memcpy(out + 8 * w, &v, 8);
  }
}

void MakeRandomKeys(uint64_t n) {
  g = {32, 16, true, {}};
  g.sorted.resize(n);
  for (uint64_t i = 0; i < n; ++i) RandomKey(i, g.sorted[i].data());
  std::sort(g.sorted.begin(), g.sorted.end(),
            [](const auto& a, const auto& b) { return std::memcmp(a.data(), b.data(), 32) < 0; });
}

void Key(uint64_t i, char* out) {
  if (g.random) {
    std::memcpy(out, g.sorted[i].data(), 32);
  } else {
    std::snprintf(out, g.key + 1, "%016llu", static_cast<unsigned long long>(i * 2));
  }
}
// Absent: odd numbers, or random keys of other seeds (a collision has chance 2^-200).
void AbsentKey(uint64_t i, char* out) {
  if (g.random) {
    RandomKey(i + (uint64_t{1} << 61), out);  // seeds never used for present keys
  } else {
    std::snprintf(out, g.key + 1, "%016llu", static_cast<unsigned long long>(i * 2 + 1));
  }
}
// Values of random letters (compressible about 1.6x, as text-like data is), cut from a
// pool made once, so that making them costs the benchmark nothing.
void Value(uint64_t i, char* out) {
  static const std::string pool = [] {
    std::mt19937_64 rng(7);
    std::string s(1 << 22, '\0');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
  }();
  std::memcpy(out, pool.data() + (i * 7919) % (pool.size() - g.value), g.value);
}

struct Row {
  std::string system;
  double build_mbs = 0, present = 0, absent = 0, scan_mbs = 0;
  uint64_t file_size = 0;
  double heap_per_key = 0;  // index and filter a reader holds, per key
};

struct Workload {
  uint64_t entries, lookups;
  uint32_t block_size = 4096;
  uint32_t partition_size = basin::TableOptions{}.partition_size;
  int restart_interval = basin::TableOptions{}.restart_interval;
  std::vector<uint64_t> order;  // random entry numbers to look up
  double MB() const { return entries * double(g.key + g.value) / 1e6; }
};

// Runs the shared measurements given a system's callbacks.
struct Ops {
  std::function<void()> build;
  std::function<void()> open;
  std::function<bool(const char*)> get;  // true when found
  std::function<uint64_t()> scan;        // bytes seen
  std::function<uint64_t()> file_size;
  std::function<uint64_t()> metadata_bytes;  // index + filter, as the table says
};

Row Measure(const std::string& name, const Workload& w, Ops ops) {
  Row r;
  r.system = name;
  auto t = Clock::now();
  ops.build();
  r.build_mbs = w.MB() / Seconds(t);
  r.file_size = ops.file_size();
  ops.open();
  r.heap_per_key = double(ops.metadata_bytes()) / double(w.entries);
  char key[kMaxKey + 1];
  uint64_t found = 0;
  t = Clock::now();
  for (uint64_t i = 0; i < w.lookups; ++i) {
    Key(w.order[i], key);
    found += ops.get(key);
  }
  r.present = w.lookups / Seconds(t);
  if (found != w.lookups)
    std::fprintf(stderr, "%s: %llu of %llu present keys found!\n", name.c_str(),
                 (unsigned long long)found, (unsigned long long)w.lookups);
  found = 0;
  t = Clock::now();
  for (uint64_t i = 0; i < w.lookups; ++i) {
    AbsentKey(w.order[i], key);
    found += ops.get(key);
  }
  r.absent = w.lookups / Seconds(t);
  if (found != 0)
    std::fprintf(stderr, "%s: %llu absent keys found!\n", name.c_str(), (unsigned long long)found);
  t = Clock::now();
  const uint64_t bytes = ops.scan();
  r.scan_mbs = double(bytes) / 1e6 / Seconds(t);
  if (bytes != w.entries * (g.key + g.value))
    std::fprintf(stderr, "%s: scan saw %llu bytes\n", name.c_str(), (unsigned long long)bytes);
  return r;
}

using basin::bench::Check;
using basin::bench::Must;

Row Basin(const Workload& w, const std::string& dir, bool zstd) {
  auto store = Must(basin::OpenFileStore(dir));
  basin::TableOptions o;
  o.compression.type = zstd ? basin::CompressionType::kZstd : basin::CompressionType::kNone;
  o.block_size = w.block_size;
  o.partition_size = w.partition_size;
  o.restart_interval = w.restart_interval;
  o.block_cache = std::make_shared<basin::BlockCache>(64 << 20);
  std::unique_ptr<basin::TableReader> reader;
  std::string value;
  Ops ops;
  ops.build = [&] {
    auto b = Must(basin::TableBuilder::Open(store, "basin.tbl", o));
    char k[kMaxKey + 1], v[kMaxValue];
    for (uint64_t i = 0; i < w.entries; ++i) {
      Key(i, k);
      Value(i, v);
      Check(b->Add(std::string_view(k, g.key), std::string_view(v, g.value)));
    }
    Check(b->Finish());
  };
  ops.file_size = [&] { return *store->Head("basin.tbl"); };
  ops.open = [&] {
    reader = Must(basin::TableReader::Open(store, "basin.tbl", o));
    Check(reader->FetchAndLoadMetadata().status());
  };
  ops.get = [&](const char* k) { return reader->GetRow(std::string_view(k, g.key), &value).ok(); };
  ops.metadata_bytes = [&] {
    auto p = *reader->Properties();
    return p.index_bytes + p.filter_bytes;
  };
  ops.scan = [&] {
    uint64_t bytes = 0;
    auto it = reader->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) bytes += it->key().size() + it->value().size();
    return bytes;
  };
  return Measure(zstd ? "basin (zstd)" : "basin", w, ops);
}

rocksdb::Options RocksOptions(bool zstd, std::shared_ptr<rocksdb::Cache> cache,
                              uint32_t block_size) {
  rocksdb::Options o;
  rocksdb::BlockBasedTableOptions t;
  t.block_size = block_size;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.block_cache = std::move(cache);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.compression = zstd ? rocksdb::kZSTD : rocksdb::kNoCompression;
  return o;
}

// RocksDB's table read two ways: SstFileReader (an iterator: Seek for a point lookup, as
// its API offers) and, for Get with the bloom filter, the same file ingested into a DB.
std::vector<Row> Rocks(const Workload& w, const std::string& dir, bool zstd) {
  const std::string path = dir + "/rocks.sst";
  auto options = RocksOptions(zstd, rocksdb::NewLRUCache(64 << 20), w.block_size);
  std::unique_ptr<rocksdb::SstFileReader> reader;
  std::unique_ptr<rocksdb::Iterator> iter;
  Ops ops;
  ops.build = [&] {
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options);
    if (!writer.Open(path).ok()) std::abort();
    char k[kMaxKey + 1], v[kMaxValue];
    for (uint64_t i = 0; i < w.entries; ++i) {
      Key(i, k);
      Value(i, v);
      if (!writer.Put(rocksdb::Slice(k, g.key), rocksdb::Slice(v, g.value)).ok()) std::abort();
    }
    if (!writer.Finish().ok()) std::abort();
  };
  ops.file_size = [&] { return std::filesystem::file_size(path); };
  ops.open = [&] {
    reader = std::make_unique<rocksdb::SstFileReader>(options);
    if (!reader->Open(path).ok()) std::abort();
    iter.reset(reader->NewIterator(rocksdb::ReadOptions()));
  };
  ops.get = [&](const char* k) {
    iter->Seek(rocksdb::Slice(k, g.key));
    return iter->Valid() && iter->key() == rocksdb::Slice(k, g.key);
  };
  ops.metadata_bytes = [&] {
    auto tp = reader->GetTableProperties();
    return tp->index_size + tp->filter_size;
  };
  ops.scan = [&] {
    uint64_t bytes = 0;
    std::unique_ptr<rocksdb::Iterator> it(reader->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) bytes += it->key().size() + it->value().size();
    return bytes;
  };
  std::vector<Row> rows{
      Measure(zstd ? "RocksDB SstFileReader (zstd)" : "RocksDB SstFileReader", w, ops)};
  iter.reset();
  reader.reset();

  // The same file in a DB, for Get.
  const std::string db_dir = dir + "/rocksdb";
  std::filesystem::remove_all(db_dir);
  auto db_options = RocksOptions(zstd, rocksdb::NewLRUCache(64 << 20), w.block_size);
  db_options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(db_options, db_dir, &raw).ok()) std::abort();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  if (!db->IngestExternalFile({path}, ingest).ok()) std::abort();
  Row get = rows[0];
  get.system = zstd ? "RocksDB DB::Get (zstd)" : "RocksDB DB::Get";

  char key[kMaxKey + 1];
  std::string value;
  auto t = Clock::now();
  for (uint64_t i = 0; i < w.lookups; ++i) {
    Key(w.order[i], key);
    if (!db->Get(rocksdb::ReadOptions(), rocksdb::Slice(key, g.key), &value).ok()) std::abort();
  }
  get.present = w.lookups / Seconds(t);
  t = Clock::now();
  for (uint64_t i = 0; i < w.lookups; ++i) {
    AbsentKey(w.order[i], key);
    if (!db->Get(rocksdb::ReadOptions(), rocksdb::Slice(key, g.key), &value).IsNotFound())
      std::abort();
  }
  get.absent = w.lookups / Seconds(t);
  get.build_mbs = get.scan_mbs = 0;  // same file as the row above
  rows.push_back(get);
  db.reset();
  std::filesystem::remove_all(db_dir);
  return rows;
}

// LevelDB keeps no properties: the index and filter sizes come from its footer (the index
// handle) and its metaindex block (the filter's handle follows the filter's name).
uint64_t LevelDbMetadataBytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  const uint64_t size = std::filesystem::file_size(path);
  std::string footer(48, '\0');
  std::fseek(f, static_cast<long>(size - 48), SEEK_SET);
  if (std::fread(footer.data(), 1, 48, f) != 48) std::abort();
  auto varint = [](const char*& p) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<uint8_t>(*p++);
      v |= uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) return v;
    }
  };
  const char* p = footer.data();
  const uint64_t meta_off = varint(p), meta_size = varint(p), index_off = varint(p),
                 index_size = varint(p);
  (void)index_off;
  std::string meta(meta_size, '\0');
  std::fseek(f, static_cast<long>(meta_off), SEEK_SET);
  if (std::fread(meta.data(), 1, meta_size, f) != meta_size) std::abort();
  std::fclose(f);
  const std::string name = "filter.leveldb.BuiltinBloomFilter2";
  const size_t at = meta.find(name);
  uint64_t filter_size = 0;
  if (at != std::string::npos) {
    const char* q = meta.data() + at + name.size();
    varint(q);
    filter_size = varint(q);
  }
  return index_size + filter_size;
}

// LevelDB's Table API: TableBuilder, Table::Open, and iterator Seek for lookups (its
// filter-using InternalGet is not public).
Row Level(const Workload& w, const std::string& dir) {
  const std::string path = dir + "/level.ldb";
  leveldb::Options o;
  o.block_size = w.block_size;
  o.compression = leveldb::kNoCompression;
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  o.filter_policy = filter.get();
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(64 << 20));
  o.block_cache = cache.get();
  leveldb::Table* table = nullptr;
  leveldb::RandomAccessFile* file = nullptr;
  std::unique_ptr<leveldb::Iterator> iter;
  Ops ops;
  ops.build = [&] {
    leveldb::WritableFile* out = nullptr;
    if (!leveldb::Env::Default()->NewWritableFile(path, &out).ok()) std::abort();
    leveldb::TableBuilder b(o, out);
    char k[kMaxKey + 1], v[kMaxValue];
    for (uint64_t i = 0; i < w.entries; ++i) {
      Key(i, k);
      Value(i, v);
      b.Add(leveldb::Slice(k, g.key), leveldb::Slice(v, g.value));
    }
    if (!b.Finish().ok() || !out->Sync().ok() || !out->Close().ok()) std::abort();
    delete out;
  };
  ops.file_size = [&] { return std::filesystem::file_size(path); };
  ops.open = [&] {
    if (!leveldb::Env::Default()->NewRandomAccessFile(path, &file).ok()) std::abort();
    if (!leveldb::Table::Open(o, file, std::filesystem::file_size(path), &table).ok()) std::abort();
    iter.reset(table->NewIterator(leveldb::ReadOptions()));
  };
  ops.get = [&](const char* k) {
    iter->Seek(leveldb::Slice(k, g.key));
    return iter->Valid() && iter->key() == leveldb::Slice(k, g.key);
  };
  ops.metadata_bytes = [&] { return LevelDbMetadataBytes(path); };
  ops.scan = [&] {
    uint64_t bytes = 0;
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(leveldb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) bytes += it->key().size() + it->value().size();
    return bytes;
  };
  Row r = Measure("LevelDB Table", w, ops);
  iter.reset();
  delete table;
  delete file;
  return r;
}

void Print(const std::vector<Row>& rows) {
  std::printf(
      "| system | build MB/s | present lookups/s | absent lookups/s | scan MB/s | file MiB | "
      "index+filter bytes/key |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    auto num = [](double v, const char* fmt) {
      char buf[64];
      if (v == 0) return std::string("(same file)");
      std::snprintf(buf, sizeof buf, fmt, v);
      return std::string(buf);
    };
    std::printf("| %s | %s | %.0f | %.0f | %s | %.1f | %.2f |\n", r.system.c_str(),
                num(r.build_mbs, "%.0f").c_str(), r.present, r.absent,
                num(r.scan_mbs, "%.0f").c_str(), r.file_size / 1048576.0, r.heap_per_key);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Workload w{5000000, 500000};
  std::string dir = "/tmp/basin-table-compare", keys = "decimal16", compression = "both";
  bool basin_only = false;  // --basin-only 1: for profiling basin alone
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    const uint64_t n = std::strtoull(v.c_str(), nullptr, 10);
    if (a == "--entries") {
      w.entries = n;
    } else if (a == "--lookups") {
      w.lookups = n;
    } else if (a == "--dir") {
      dir = v;
    } else if (a == "--block-size") {
      w.block_size = static_cast<uint32_t>(n);
    } else if (a == "--partition-size") {
      w.partition_size = static_cast<uint32_t>(n);
    } else if (a == "--restart-interval") {
      w.restart_interval = static_cast<int>(n);
    } else if (a == "--basin-only") {
      basin_only = v != "0";
    } else if (a == "--keys" && (v == "decimal16" || v == "random32")) {
      keys = v;
    } else if (a == "--compression" && (v == "none" || v == "zstd" || v == "both")) {
      compression = v;
    } else {
      std::fprintf(stderr, "unknown option or value: %s %s\n", a.c_str(), v.c_str());
      return 2;
    }
  }
  if (w.entries == 0 || w.lookups == 0) return 2;
  if (keys == "random32") MakeRandomKeys(w.entries);
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(42);
  for (uint64_t i = 0; i < w.lookups; ++i) w.order.push_back(rng() % w.entries);
  std::printf(
      "%llu entries of %zu-byte %s keys and %zu-byte values (%.0f MB), %llu random lookups, "
      "%u-byte blocks\n\n",
      (unsigned long long)w.entries, g.key, g.random ? "random" : "decimal", g.value, w.MB(),
      (unsigned long long)w.lookups, w.block_size);
  for (bool zstd : {false, true}) {
    if (compression != "both" && zstd != (compression == "zstd")) continue;
    std::printf("### %s\n\n", zstd ? "zstd (level 3)" : "no compression");
    std::vector<Row> rows{Basin(w, dir, zstd)};
    if (!basin_only) {
      for (Row& r : Rocks(w, dir, zstd)) rows.push_back(r);
      if (!zstd) rows.push_back(Level(w, dir));
    }
    Print(rows);
    if (zstd) std::printf("\nLevelDB 1.23 has no zstd (snappy only): no row.\n");
    std::printf("\n");
    std::fflush(stdout);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
