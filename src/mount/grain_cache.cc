// Single-flight over a BlockCache: the first caller to miss a grain registers a Fetch and
// loads it without holding the lock; later callers for the same grain wait on the Fetch
// and share its result, good or bad (an error is not cached: the next caller tries again).
#include "mount/grain_cache.h"

#include <cstring>

namespace basin::mount {
namespace {

BlockCache::Key KeyOf(const GrainId& id) {
  // A grain id's first 24 bytes: ids are hashes, so they are as unique as the whole.
  BlockCache::Key k;
  std::memcpy(k.data(), id.bytes.data(), k.size());
  return k;
}

size_t TreeCharge(const basin::Tree& t) {
  size_t n = sizeof(basin::Tree) + t.entries.size() * sizeof(TreeEntry);
  for (const TreeEntry& e : t.entries) {
    n += e.name.size() + e.user.size() + e.group.size() + e.symlink_target.size() +
         e.content.size() * sizeof(ContentPiece);
    for (const auto& [name, value] : e.xattrs) n += name.size() + value.size();
  }
  return n;
}

}  // namespace

struct GrainCache::Fetch {
  bool done = false;
  Result<Value> result = Status::IOError("grain fetch still running");
  std::condition_variable cv;
};

GrainCache::GrainCache(Basin& basin, size_t chunk_bytes, size_t tree_bytes)
    : basin_(basin), chunks_(chunk_bytes), trees_(tree_bytes) {}

uint64_t GrainCache::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

Result<GrainCache::Value> GrainCache::Get(
    BlockCache& cache, const GrainId& id,
    const std::function<Result<std::pair<Value, size_t>>()>& load) {
  const BlockCache::Key key = KeyOf(id);
  if (Value v = cache.Lookup(key)) return v;
  std::shared_ptr<Fetch> fetch;
  {
    std::unique_lock lock(mu_);
    auto [it, first] = in_flight_.try_emplace(id);
    if (!first) {
      fetch = it->second;
      fetch->cv.wait(lock, [&] { return fetch->done; });
      return fetch->result;
    }
    it->second = fetch = std::make_shared<Fetch>();
    ++fetches_;
  }
  auto loaded = load();
  Result<Value> result = loaded.ok() ? Result<Value>(loaded->first) : loaded.status();
  if (loaded.ok()) cache.Insert(key, loaded->first, loaded->second);
  std::lock_guard lock(mu_);
  fetch->result = result;
  fetch->done = true;
  in_flight_.erase(id);
  fetch->cv.notify_all();
  return result;
}

Result<std::shared_ptr<const std::string>> GrainCache::GetChunk(const GrainId& id) {
  BASIN_ASSIGN_OR_RETURN(Value v, Get(chunks_, id, [&]() -> Result<std::pair<Value, size_t>> {
                           auto data = std::make_shared<std::string>();
                           BASIN_RETURN_IF_ERROR(basin_.Get(id, data.get()));
                           const size_t charge = data->size() + sizeof(std::string);
                           return std::make_pair(Value(std::move(data)), charge);
                         }));
  return std::static_pointer_cast<const std::string>(v);
}

Result<std::shared_ptr<const Tree>> GrainCache::GetTree(const GrainId& id) {
  BASIN_ASSIGN_OR_RETURN(Value v, Get(trees_, id, [&]() -> Result<std::pair<Value, size_t>> {
                           BASIN_ASSIGN_OR_RETURN(basin::Tree t, ReadTree(basin_, id));
                           const size_t charge = TreeCharge(t);
                           return std::make_pair(
                               Value(std::make_shared<const basin::Tree>(std::move(t))), charge);
                         }));
  return std::static_pointer_cast<const basin::Tree>(v);
}

}  // namespace basin::mount
