// A sharded LRU cache: a key's hash picks one of 16 shards, each an open-addressing hash
// map (Abseil's flat_hash_map) over an intrusive list, under its own mutex.
#include "basin/block_cache.h"

#include <array>
#include <atomic>
#include <cstring>
#include <list>
#include <mutex>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "basin/checksum.h"

namespace basin {
namespace {

constexpr size_t kShards = 16;

struct KeyHash {
  size_t operator()(const BlockCache::Key& k) const {
    return static_cast<size_t>(
        Xxh3_64(std::string_view(reinterpret_cast<const char*>(k.data()), k.size())));
  }
};

}  // namespace

struct BlockCache::Impl {
  struct Entry {
    Key key;
    std::shared_ptr<const void> value;
    size_t charge;
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // most recent first
    absl::flat_hash_map<Key, std::list<Entry>::iterator, KeyHash> index;
    size_t usage = 0;
    size_t capacity = 0;
  };
  std::array<Shard, kShards> shards;
  std::atomic<uint64_t> hits{0}, misses{0};

  Shard& ShardOf(const Key& k, size_t* hash) {
    *hash = KeyHash()(k);
    return shards[*hash >> 60];  // the top bits; the map uses the low ones
  }
};

BlockCache::Key BlockCache::MakeKey(std::span<const uint8_t, 16> file_id, uint64_t offset) {
  Key k{};
  std::memcpy(k.data(), file_id.data(), 16);
  for (int i = 0; i < 8; ++i) k[16 + i] = static_cast<uint8_t>(offset >> (8 * i));
  return k;
}

BlockCache::BlockCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), impl_(std::make_unique<Impl>()) {
  for (auto& s : impl_->shards) s.capacity = capacity_bytes / kShards;
}

BlockCache::~BlockCache() = default;

std::shared_ptr<const void> BlockCache::Lookup(const Key& key) {
  size_t hash;
  Impl::Shard& s = impl_->ShardOf(key, &hash);
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) {
    impl_->misses.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  impl_->hits.fetch_add(1, std::memory_order_relaxed);
  if (it->second != s.lru.begin()) s.lru.splice(s.lru.begin(), s.lru, it->second);
  return it->second->value;
}

void BlockCache::Insert(const Key& key, std::shared_ptr<const void> value, size_t charge) {
  size_t hash;
  Impl::Shard& s = impl_->ShardOf(key, &hash);
  std::lock_guard lock(s.mu);
  if (auto it = s.index.find(key); it != s.index.end()) {
    s.usage -= it->second->charge;
    s.lru.erase(it->second);
    s.index.erase(it);
  }
  if (charge > s.capacity) return;  // would evict the whole shard and still not fit
  s.lru.push_front({key, std::move(value), charge});
  s.index[key] = s.lru.begin();
  s.usage += charge;
  while (s.usage > s.capacity && !s.lru.empty()) {
    const Impl::Entry& victim = s.lru.back();
    s.usage -= victim.charge;
    s.index.erase(victim.key);
    s.lru.pop_back();
  }
}

size_t BlockCache::usage() const {
  size_t n = 0;
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    n += s.usage;
  }
  return n;
}

uint64_t BlockCache::hits() const { return impl_->hits.load(std::memory_order_relaxed); }
uint64_t BlockCache::misses() const { return impl_->misses.load(std::memory_order_relaxed); }

}  // namespace basin
