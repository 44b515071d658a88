#include "basin/retrying_store.h"

#include <algorithm>
#include <random>
#include <thread>

namespace basin {
namespace {

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace

RetryingStore::RetryingStore(std::shared_ptr<ObjectStore> base, RetryPolicy policy)
    : base_(std::move(base)), policy_(std::move(policy)) {
  policy_.max_attempts = std::max(policy_.max_attempts, 1);
}

void RetryingStore::Backoff(int attempt) {
  // Full jitter: uniform in [0, min(max, initial * 2^attempt)].
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto cap = std::min<int64_t>(policy_.max_backoff.count(), policy_.initial_backoff.count()
                                                                      << std::min(attempt, 30));
  const auto wait = std::chrono::milliseconds(
      std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(cap, 0))(rng));
  retries_.fetch_add(1, std::memory_order_relaxed);
  if (policy_.sleep) {
    policy_.sleep(wait);
  } else {
    std::this_thread::sleep_for(wait);
  }
}

template <typename F>
auto RetryingStore::Run(F&& call) -> decltype(call()) {
  for (int attempt = 0;; ++attempt) {
    auto r = call();
    const Status& s = StatusOf(r);
    if (s.ok() || !s.retryable() || attempt + 1 >= policy_.max_attempts) return r;
    Backoff(attempt);
  }
}

Status RetryingStore::DoPut(std::string_view key, std::string_view data, PutMode mode) {
  bool maybe_applied = false;
  Status s = Run([&] {
    Status r = base_->Put(key, data, mode);
    if (r.retryable()) maybe_applied = true;
    return r;
  });
  if (s.IsAlreadyExists() && mode == PutMode::kCreateOnly && maybe_applied &&
      StoredBytesAre(key, data)) {
    return Status::OK();  // our earlier attempt created it; its answer was lost
  }
  return s;
}

Status RetryingStore::DoPutIfMatch(std::string_view key, std::string_view data,
                                   std::string_view etag) {
  bool maybe_applied = false;
  Status s = Run([&] {
    Status r = base_->PutIfMatch(key, data, etag);
    if (r.retryable()) maybe_applied = true;
    return r;
  });
  if (s.IsAlreadyExists() && maybe_applied && StoredBytesAre(key, data)) {
    return Status::OK();  // our earlier attempt replaced it; its answer was lost
  }
  return s;
}

bool RetryingStore::StoredBytesAre(std::string_view key, std::string_view data) {
  std::string stored;
  Status g = Run([&] { return base_->Get(key, ByteRange::All(), &stored); });
  return g.ok() && stored == data;
}

Status RetryingStore::DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                            std::string* out, ObjectInfo* info) {
  return Run([&] { return base_->Get(key, range, options, out, info); });
}

Result<ObjectInfo> RetryingStore::DoStat(std::string_view key) {
  return Run([&] { return base_->Stat(key); });
}

Result<ListPage> RetryingStore::DoList(const ListOptions& options) {
  return Run([&] { return base_->List(options); });
}

Status RetryingStore::DoDelete(std::string_view key) {
  return Run([&] { return base_->Delete(key); });
}

Result<std::unique_ptr<ObjectWriter>> RetryingStore::DoNewWriter(std::string_view key,
                                                                 PutMode mode) {
  return Run([&] { return base_->NewWriter(key, mode); });
}

Result<std::unique_ptr<AppendableObject>> RetryingStore::DoOpenAppendable(std::string_view key) {
  return Run([&] { return base_->OpenAppendable(key); });
}

Status RetryingStore::DoDeleteMany(const std::vector<std::string>& keys) {
  return Run([&] { return base_->DeleteMany(keys); });
}

}  // namespace basin
