// Windows of strata kept in memory, so that reading many grains of one stratum costs a few
// large ranged reads, not one request per grain (docs/format/repository.md, "Reading").
// A restore, an unchanged backup walking its parent's trees, and a mount read grains in
// about the order they were written: on S3 each request costs ~10 ms whatever its size.
#ifndef BASIN_REPO_READ_CACHE_H_
#define BASIN_REPO_READ_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "basin/object_store.h"
#include "basin/status.h"

namespace basin::repo {

// The window a basin reads: large enough that a request's fixed cost (~10 ms on S3) is
// paid once per many grains, small enough that one grain read alone (a mount, a restore of
// one file) costs no more than 1 MiB of transfer, and that a restore's parallel readers,
// each at its own place in the strata, share 32 MiB without evicting each other (4 MiB
// windows did: a restore of 60 MB read 586 MB).
inline constexpr size_t kReadWindow = size_t{1} << 20;

// Whether each read of `store` is a network round trip (S3), where windows pay; a local
// directory or memory answers a ranged read with one pread or copy, and windows would only
// copy more than asked.
bool ReadsAreRoundTrips(const ObjectStore& store);

class StratumReadCache {
 public:
  // Reads bytes [offset, offset + length) of the object being cached into *out.
  using Fetch = std::function<Status(uint64_t offset, uint64_t length, std::string* out)>;

  // Keeps at most `capacity` bytes of windows of `window` bytes each (least recently used
  // dropped first). capacity 0 disables the cache: every read is fetched as asked.
  StratumReadCache(size_t capacity, size_t window);

  // Bytes [offset, offset + length) of the object `key`, `object_size` bytes long (0:
  // unknown), into *out. A range inside a cached window, whatever its length, is copied
  // from it. Otherwise, when the range is at most half a window, the window [offset,
  // offset + window) clipped to the object's end is fetched and kept; larger ranges, and
  // ranges of objects of unknown size, are fetched alone. A window fetch that fails (the
  // object shorter than its size said) falls back to fetching the range alone, so errors
  // are the range's own. Thread-safe. A miss inside a window another thread is fetching
  // waits for that fetch instead of fetching the bytes again (a restore's parallel readers
  // walk neighbouring files of the same strata: without this, a restore from radosgw read
  // 2.8 times the basin's bytes).
  Status Read(const std::string& key, uint64_t object_size, uint64_t offset, uint64_t length,
              const Fetch& fetch, std::string* out);

  uint64_t hits() const;    // ranges served from a window, or from a fetch they joined
  uint64_t misses() const;  // window fetches started

 private:
  struct Window {
    std::string key;
    uint64_t start = 0;
    std::shared_ptr<const std::string> bytes;
  };
  using Lru = std::list<Window>;
  // A window being fetched, which misses inside it wait for.
  struct Flight {
    std::string key;
    uint64_t start = 0, size = 0;
    bool done = false;
    std::shared_ptr<const std::string> bytes;  // null when the fetch failed
  };

  // The window of `key` holding [offset, offset + length), or null. REQUIRES: mu_ held.
  std::shared_ptr<const std::string> Find(const std::string& key, uint64_t offset, uint64_t length,
                                          uint64_t* start);
  void Insert(const std::string& key, uint64_t start, std::shared_ptr<const std::string> bytes);
  // The fetch in flight whose window holds [offset, offset + length), or null. REQUIRES:
  // mu_ held.
  std::shared_ptr<Flight> FindFlight(const std::string& key, uint64_t offset, uint64_t length);
  // Fetches the window [offset, offset + span) as a flight others may join, keeps it, and
  // copies the range out of it. REQUIRES: mu_ not held.
  Status FetchWindow(const std::string& key, uint64_t offset, uint64_t span, uint64_t length,
                     const Fetch& fetch, std::string* out);

  const size_t capacity_, window_;
  mutable std::mutex mu_;
  Lru lru_;  // most recently used first
  absl::flat_hash_map<std::string, std::vector<Lru::iterator>> by_key_;
  std::vector<std::shared_ptr<Flight>> flights_;  // a few: one per reading thread at most
  std::condition_variable landed_;                // a flight is done
  size_t used_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace basin::repo

#endif  // BASIN_REPO_READ_CACHE_H_
