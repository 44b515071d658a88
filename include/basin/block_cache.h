// BlockCache: decoded blocks shared by every reader in a process, with a byte budget.
//
// Blocks are keyed by the unique id of the file they come from (stored in the file, never
// a path, so two files at one path over time cannot collide) and their offset in it.
// Least recently used blocks are evicted first; a block still held by a reader stays alive
// until the reader lets go. The budget is split over 16 shards (by key hash), each with
// its own lock and LRU order, so a block larger than a sixteenth of it is not kept.
// Thread-safe.
#ifndef BASIN_BLOCK_CACHE_H_
#define BASIN_BLOCK_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace basin {

class BlockCache {
 public:
  using Key = std::array<uint8_t, 24>;  // 16-byte file id, 8-byte offset
  static Key MakeKey(std::span<const uint8_t, 16> file_id, uint64_t offset);

  explicit BlockCache(size_t capacity_bytes);
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // The cached value, or null.
  std::shared_ptr<const void> Lookup(const Key& key);
  // Adds (or replaces) a value that costs `charge` bytes, then evicts to the budget.
  void Insert(const Key& key, std::shared_ptr<const void> value, size_t charge);

  size_t capacity() const { return capacity_; }
  size_t usage() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Impl;
  const size_t capacity_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace basin

#endif  // BASIN_BLOCK_CACHE_H_
