// GrainCache: decoded chunks and trees of one basin, shared by every reader of a mount,
// each kind within its own byte budget (least recently used first out). Concurrent misses
// of one grain are fetched once: the other callers wait for that fetch. Thread-safe.
#ifndef BASIN_MOUNT_GRAIN_CACHE_H_
#define BASIN_MOUNT_GRAIN_CACHE_H_

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "basin/basin.h"
#include "basin/block_cache.h"
#include "basin/snapshot.h"

namespace basin::mount {

class GrainCache {
 public:
  // `basin` must outlive the cache. A grain larger than a sixteenth of its budget is
  // fetched for each caller and not kept (BlockCache's shards).
  GrainCache(Basin& basin, size_t chunk_bytes, size_t tree_bytes);

  // A chunk's bytes: NotFound when absent, Corruption when damaged (Basin::Get).
  Result<std::shared_ptr<const std::string>> GetChunk(const GrainId& id);
  // A decoded tree grain (ReadTree's errors).
  Result<std::shared_ptr<const basin::Tree>> GetTree(const GrainId& id);

  // Grains fetched from the basin so far (misses that were not joined to another's fetch).
  uint64_t fetches() const;

 private:
  using Value = std::shared_ptr<const void>;
  struct Fetch;
  // The cached value of `id` in `cache`, or the one `load` makes (kept with its charge).
  Result<Value> Get(BlockCache& cache, const GrainId& id,
                    const std::function<Result<std::pair<Value, size_t>>()>& load);

  Basin& basin_;
  BlockCache chunks_, trees_;
  mutable std::mutex mu_;
  std::map<GrainId, std::shared_ptr<Fetch>> in_flight_;
  uint64_t fetches_ = 0;
};

}  // namespace basin::mount

#endif  // BASIN_MOUNT_GRAIN_CACHE_H_
