#include "basin/block_cache.h"

#include <cstring>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "basin/checksum.h"

namespace basin {

struct BlockCache::Impl {
  struct Entry {
    Key key;
    std::shared_ptr<const void> value;
    size_t charge;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return static_cast<size_t>(
          Xxh3_64(std::string_view(reinterpret_cast<const char*>(k.data()), k.size())));
    }
  };

  void EvictTo(size_t capacity) {
    while (usage > capacity && !lru.empty()) {
      const Entry& victim = lru.back();
      usage -= victim.charge;
      index.erase(victim.key);
      lru.pop_back();
    }
  }

  std::mutex mu;
  std::list<Entry> lru;  // most recent first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
  size_t usage = 0;
  uint64_t hits = 0, misses = 0;
};

BlockCache::Key BlockCache::MakeKey(std::span<const uint8_t, 16> file_id, uint64_t offset) {
  Key k{};
  std::memcpy(k.data(), file_id.data(), 16);
  for (int i = 0; i < 8; ++i) k[16 + i] = static_cast<uint8_t>(offset >> (8 * i));
  return k;
}

BlockCache::BlockCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), impl_(std::make_unique<Impl>()) {}

BlockCache::~BlockCache() = default;

std::shared_ptr<const void> BlockCache::Lookup(const Key& key) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->index.find(key);
  if (it == impl_->index.end()) {
    ++impl_->misses;
    return nullptr;
  }
  ++impl_->hits;
  impl_->lru.splice(impl_->lru.begin(), impl_->lru, it->second);
  return it->second->value;
}

void BlockCache::Insert(const Key& key, std::shared_ptr<const void> value, size_t charge) {
  std::lock_guard lock(impl_->mu);
  if (auto it = impl_->index.find(key); it != impl_->index.end()) {
    impl_->usage -= it->second->charge;
    impl_->lru.erase(it->second);
    impl_->index.erase(it);
  }
  if (charge > capacity_) return;  // would evict everything and still not fit
  impl_->lru.push_front({key, std::move(value), charge});
  impl_->index[key] = impl_->lru.begin();
  impl_->usage += charge;
  impl_->EvictTo(capacity_);
}

size_t BlockCache::usage() const {
  std::lock_guard lock(impl_->mu);
  return impl_->usage;
}

uint64_t BlockCache::hits() const {
  std::lock_guard lock(impl_->mu);
  return impl_->hits;
}

uint64_t BlockCache::misses() const {
  std::lock_guard lock(impl_->mu);
  return impl_->misses;
}

}  // namespace basin
