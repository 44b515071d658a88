// A large table of content ids, as the content store's global index holds them: N random
// 32-byte keys with 16-byte values (default 20 million), in a file store.
//   table_large_bench --dir DIR --build 1 [--entries N] [--partition-size B]
//   table_large_bench --dir DIR [--entries N] [--lookups N] [--cache-mib M] [--mapped 0|1]
// The build run writes DIR/large.tbl. A read run (a fresh process, so that its memory is
// the reader's alone) opens it through a CountingStore and reports what opening cost
// (requests, bytes) and the reader's memory, then times `lookups` random present and
// absent lookups with a block cache of M MiB and reports memory again. --mapped 1 reads
// the mapped file (local disk: blocks used in place); --mapped 0 (the default) reads
// every block with a ranged get, as on S3.
// Keys are a pure function of their number (key i = 32 bytes of splitmix64 of i), so a
// read run needs no key list: present keys are key(i) for i < N, absent ones key(i >= N).
// A value is the first 16 bytes of the key's XXH3-128, and every lookup checks it.
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "basin/counting_store.h"
#include "basin/file_store.h"
#include "basin/table.h"
#include "bench_check.h"

namespace {

using Clock = std::chrono::steady_clock;
using Key = std::array<char, 32>;

uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Key KeyOf(uint64_t i) {
  Key k;
  uint64_t x = i * 4;
  for (int w = 0; w < 4; ++w) {
    const uint64_t v = SplitMix(x);
    std::memcpy(k.data() + 8 * w, &v, 8);
  }
  return k;
}

std::string ValueOf(const char* key) {
  const XXH128_hash_t h = XXH3_128bits(key, 32);
  std::string v(16, '\0');
  std::memcpy(v.data(), &h.low64, 8);
  std::memcpy(v.data() + 8, &h.high64, 8);
  return v;
}

using basin::bench::Check;
using basin::bench::Must;

// VmRSS, RssAnon and RssFile from /proc/self/status, in MiB.
std::string Memory() {
  std::ifstream f("/proc/self/status");
  std::string line, out;
  while (std::getline(f, line)) {
    for (const char* field : {"VmRSS:", "RssAnon:", "RssFile:"}) {
      if (line.rfind(field, 0) == 0) {
        const double kib = std::strtod(line.c_str() + std::strlen(field), nullptr);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s %.1f MiB  ", field, kib / 1024);
        out += buf;
      }
    }
  }
  return out;
}

double Seconds(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void Build(std::shared_ptr<basin::ObjectStore> store, uint64_t n, uint32_t partition_size) {
  auto t = Clock::now();
  std::vector<Key> keys(n);
  for (uint64_t i = 0; i < n; ++i) keys[i] = KeyOf(i);
  std::sort(keys.begin(), keys.end(),
            [](const Key& a, const Key& b) { return std::memcmp(a.data(), b.data(), 32) < 0; });
  std::printf("keys made and sorted in %.1f s\n", Seconds(t));
  basin::TableOptions o;
  o.partition_size = partition_size;
  t = Clock::now();
  auto b = Must(basin::TableBuilder::Open(store, "large.tbl", o));
  for (const Key& k : keys) Check(b->Add(std::string_view(k.data(), 32), ValueOf(k.data())));
  Check(b->Finish());
  std::printf("built %llu entries, %.1f MiB, in %.1f s\n", (unsigned long long)n,
              b->bytes_written() / 1048576.0, Seconds(t));
}

void Read(std::shared_ptr<basin::ObjectStore> files, uint64_t n, uint64_t lookups,
          uint64_t cache_mib, bool mapped) {
  std::printf("before open:            %s\n", Memory().c_str());
  auto counting = std::make_shared<basin::CountingStore>(files);
  basin::TableOptions o;
  o.block_cache = std::make_shared<basin::BlockCache>(cache_mib << 20);
  auto reader = Must(basin::TableReader::Open(counting, "large.tbl", o));
  Check(reader->FetchAndLoadMetadata().status());
  const basin::StoreCounts open = counting->counts();
  const basin::TableProperties p = Must(reader->Properties());
  std::printf("open: %llu requests, %llu bytes read (%s)\n",
              (unsigned long long)open.total_requests(),
              (unsigned long long)open.total_bytes_received(), open.ToString().c_str());
  std::printf(
      "table: %llu entries, %.1f MiB, %llu partitions, filter %.1f MiB, index %.1f MiB, "
      "reader metadata %llu bytes\n",
      (unsigned long long)p.entries, p.file_size / 1048576.0, (unsigned long long)p.partitions,
      p.filter_bytes / 1048576.0, p.index_bytes / 1048576.0, (unsigned long long)p.metadata_memory);
  std::printf("after open:             %s\n", Memory().c_str());
  if (mapped) {  // the same table through the mapped file
    reader = Must(basin::TableReader::Open(files, "large.tbl", o));
    Check(reader->FetchAndLoadMetadata().status());
  }
  counting->Reset();
  std::mt19937_64 rng(42);
  std::string value;
  for (int absent = 0; absent < 2; ++absent) {
    uint64_t found = 0;
    const auto t = Clock::now();
    for (uint64_t i = 0; i < lookups; ++i) {
      const uint64_t id = rng() % n + (absent ? n : 0);
      const Key k = KeyOf(id);
      const basin::Status s = reader->GetRow(std::string_view(k.data(), 32), &value);
      if (s.ok()) {
        ++found;
        if (value != ValueOf(k.data()))
          std::fprintf(stderr, "wrong value for key %llu\n", (unsigned long long)id);
      } else if (!s.IsNotFound()) {
        Check(s);
      }
    }
    const double secs = Seconds(t);
    std::printf("%s lookups: %.0f/s (%llu of %llu found), %.2f store reads per lookup\n",
                absent ? "absent" : "present", lookups / secs, (unsigned long long)found,
                (unsigned long long)lookups,
                double(counting->counts().total_requests()) / double(lookups));
    counting->Reset();
    std::printf("after %s lookups: %s cache %.1f MiB used, %llu hits, %llu misses\n",
                absent ? "absent " : "present", Memory().c_str(),
                o.block_cache->usage() / 1048576.0, (unsigned long long)o.block_cache->hits(),
                (unsigned long long)o.block_cache->misses());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/basin-table-large";
  uint64_t entries = 20000000, lookups = 1000000, cache_mib = 32;
  uint32_t partition_size = basin::TableOptions{}.partition_size;
  bool build = false, mapped = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--entries")
      entries = v;
    else if (a == "--lookups")
      lookups = v;
    else if (a == "--cache-mib")
      cache_mib = v;
    else if (a == "--partition-size")
      partition_size = static_cast<uint32_t>(v);
    else if (a == "--build")
      build = v != 0;
    else if (a == "--mapped")
      mapped = v != 0;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  auto store = Must(basin::OpenFileStore(dir));
  if (build) {
    Build(store, entries, partition_size);
  } else {
    Read(store, entries, lookups, cache_mib, mapped);
  }
  return 0;
}
