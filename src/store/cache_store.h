// CacheStore: a local cache, in a directory, of a store's objects that never change under
// their key (docs/format/repository.md, "Local cache"): a basin's index tables, metadata
// strata and tail copies on S3, read from the local disk after the first time.
//
// Gets and ranged readers of a cached key are answered from the cache file; a missing or
// damaged one is a *fill*: one GET of the whole object, kept for next time. Puts and
// streamed writers of a cached key also write the cache file. Deletes delete it. Stat,
// List and everything else go to the store: existence is always the store's answer, and a
// listing page deletes the cache files of keys it spans but does not hold. A failure of
// the cache (a full disk) is never an error: the store answers instead.
//
// Several processes may share one directory (files are renamed into place whole, never
// changed). Thread-safe.
#ifndef BASIN_STORE_CACHE_STORE_H_
#define BASIN_STORE_CACHE_STORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "basin/object_store.h"

namespace basin {

struct CacheStoreOptions {
  // The cache's root: made (0700) when absent, and given a CACHEDIR.TAG.
  std::string root;
  // This store's directory under the root (a basin's id): the cache files are
  // root/name/<key>.
  std::string name;
  // The keys cached: those starting with one of these. Only objects that are never
  // rewritten with other bytes may be named.
  std::vector<std::string> prefixes;
  // Opening deletes files not used for this long (checked at most once a day), and the
  // directories of other names in the root not used for this long.
  std::chrono::seconds max_unused{std::chrono::hours(24 * 30)};
};

struct CacheStats {
  uint64_t hits = 0;            // reads answered by a cache file
  uint64_t fills = 0;           // whole objects fetched from the store
  uint64_t damaged = 0;         // cache files that failed their check (and were fetched again)
  uint64_t write_failures = 0;  // cache files that could not be written
};

class CacheStore : public ObjectStore {
 public:
  // IOError when the directories cannot be made: the caller goes on without a cache.
  static Result<std::shared_ptr<CacheStore>> Open(std::shared_ptr<ObjectStore> base,
                                                  const CacheStoreOptions& options);

  // Whether `key` is one this store caches.
  bool Caches(std::string_view key) const;
  // Deletes the cache file of `key` (the store's object stays): the next read fills it.
  void Evict(std::string_view key);
  // The directory of the cache files (root/name).
  const std::string& dir() const { return dir_; }
  CacheStats stats() const;

  std::string url() const override { return base_->url(); }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override;
  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override;
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override;
  Result<ObjectInfo> DoStat(std::string_view key) override;
  Result<ListPage> DoList(const ListOptions& options) override;
  Status DoDelete(std::string_view key) override;
  Status DoDeleteMany(const std::vector<std::string>& keys) override;
  Result<SweepReport> DoSweep(const SweepOptions& options) override;
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;
  Result<std::unique_ptr<AppendableObject>> DoOpenAppendable(std::string_view key) override;
  Result<std::unique_ptr<ReadableObject>> DoOpenReadable(std::string_view key,
                                                         uint64_t prefetch_tail) override;

 private:
  friend class CachingWriter;
  CacheStore(std::shared_ptr<ObjectStore> base, const CacheStoreOptions& options);

  std::string PathOf(std::string_view key) const;
  // The range of the cache file of `key` into *out, and the object's size: NotFound when
  // there is no sound cache file (a damaged one is deleted).
  Status ReadCached(std::string_view key, const ByteRange& range, std::string* out, uint64_t* size);
  // The range from the store's whole object, which is then written to the cache.
  Status Fill(std::string_view key, const ByteRange& range, std::string* out, uint64_t* size);
  Status Read(std::string_view key, const ByteRange& range, std::string* out, uint64_t* size);
  // A cache file this process wrote or checked, `length` bytes of content.
  void MarkChecked(std::string_view key, uint64_t length);
  std::shared_ptr<std::mutex> FillLock(std::string_view key);

  // Upkeep (cache_upkeep.cc): the tag, expiry, and what a listing shows gone.
  Status WriteTag() const;
  void ExpireIfDue() const;
  void Reconcile(const ListOptions& options, const ListPage& page);

  const std::shared_ptr<ObjectStore> base_;
  const CacheStoreOptions options_;
  const std::string dir_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> checked_;  // key -> content length
  absl::flat_hash_map<std::string, std::shared_ptr<std::mutex>> filling_;
  std::atomic<uint64_t> hits_{0}, fills_{0}, damaged_{0}, write_failures_{0};
};

}  // namespace basin

#endif  // BASIN_STORE_CACHE_STORE_H_
