// Windows of strata kept in memory: src/repo/read_cache.h.
#include "repo/read_cache.h"

#include <algorithm>

namespace basin::repo {

bool ReadsAreRoundTrips(const ObjectStore& store) {
  const std::string url = store.url();
  return !(url.starts_with("file:") || url.starts_with("mem:") || url.starts_with("/"));
}

StratumReadCache::StratumReadCache(size_t capacity, size_t window)
    : capacity_(capacity), window_(std::max<size_t>(window, 1)) {}

std::shared_ptr<const std::string> StratumReadCache::Find(const std::string& key, uint64_t offset,
                                                          uint64_t length, uint64_t* start) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return nullptr;
  for (Lru::iterator w : it->second) {
    if (w->start <= offset && offset - w->start <= w->bytes->size() &&
        length <= w->bytes->size() - (offset - w->start)) {
      lru_.splice(lru_.begin(), lru_, w);  // now the most recently used
      *start = w->start;
      return w->bytes;
    }
  }
  return nullptr;
}

void StratumReadCache::Insert(const std::string& key, uint64_t start,
                              std::shared_ptr<const std::string> bytes) {
  used_ += bytes->size();
  lru_.push_front(Window{key, start, std::move(bytes)});
  by_key_[key].push_back(lru_.begin());
  while (used_ > capacity_ && !lru_.empty()) {
    Lru::iterator last = std::prev(lru_.end());
    auto& list = by_key_[last->key];
    std::erase(list, last);
    if (list.empty()) by_key_.erase(last->key);
    used_ -= last->bytes->size();
    lru_.erase(last);
  }
}

std::shared_ptr<StratumReadCache::Flight> StratumReadCache::FindFlight(const std::string& key,
                                                                       uint64_t offset,
                                                                       uint64_t length) {
  for (const std::shared_ptr<Flight>& f : flights_) {
    if (f->key == key && f->start <= offset && offset - f->start <= f->size &&
        length <= f->size - (offset - f->start)) {
      return f;
    }
  }
  return nullptr;
}

Status StratumReadCache::FetchWindow(const std::string& key, uint64_t offset, uint64_t span,
                                     uint64_t length, const Fetch& fetch, std::string* out) {
  auto flight = std::make_shared<Flight>();
  flight->key = key;
  flight->start = offset;
  flight->size = span;
  {
    std::lock_guard lock(mu_);
    flights_.push_back(flight);
  }
  auto bytes = std::make_shared<std::string>();
  const bool ok = fetch(offset, span, bytes.get()).ok() && bytes->size() == span;
  {
    std::lock_guard lock(mu_);
    std::erase(flights_, flight);
    flight->done = true;
    if (ok) {
      flight->bytes = bytes;
      Insert(key, offset, bytes);
    }
  }
  landed_.notify_all();
  if (!ok) return fetch(offset, length, out);  // the range's own answer, error or not
  out->assign(*bytes, 0, length);
  return Status::OK();
}

Status StratumReadCache::Read(const std::string& key, uint64_t object_size, uint64_t offset,
                              uint64_t length, const Fetch& fetch, std::string* out) {
  const bool cacheable =
      capacity_ > 0 && object_size > 0 && offset <= object_size && length <= object_size - offset;
  if (!cacheable) return fetch(offset, length, out);
  {
    std::unique_lock lock(mu_);
    uint64_t start = 0;
    if (auto bytes = Find(key, offset, length, &start)) {
      ++hits_;
      out->assign(*bytes, offset - start, length);
      return Status::OK();
    }
    if (length > window_ / 2) {
      lock.unlock();
      return fetch(offset, length, out);
    }
    if (std::shared_ptr<Flight> f = FindFlight(key, offset, length)) {
      landed_.wait(lock, [&] { return f->done; });
      if (f->bytes != nullptr) {
        ++hits_;
        out->assign(*f->bytes, offset - f->start, length);
        return Status::OK();
      }
      lock.unlock();
      return fetch(offset, length, out);  // that window failed: this range alone
    }
    ++misses_;
  }
  return FetchWindow(key, offset, std::min<uint64_t>(window_, object_size - offset), length, fetch,
                     out);
}

uint64_t StratumReadCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

uint64_t StratumReadCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace basin::repo
