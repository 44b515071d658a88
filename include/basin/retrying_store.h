// RetryingStore: repeats calls that failed with a retryable status (timeouts, throttling,
// resets), with exponential backoff and full jitter, up to a number of attempts.
// Non-retryable failures (NotFound, Corruption, permission, a failed fsync) return at once.
//
// A create-only or if-match put whose earlier attempt failed retryably may have been
// applied before its response was lost; if a later attempt then finds the key present (or
// changed), the stored object is read back and compared: identical bytes mean our own put
// won, and it succeeds.
//
// Streamed writes are not retried part by part (the bytes are gone once appended): only
// NewWriter is; likewise appendable objects, of which only the opening is retried.
// Stores that stream over a network retry their parts themselves.
// Thread-safe.
#ifndef BASIN_RETRYING_STORE_H_
#define BASIN_RETRYING_STORE_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "basin/object_store.h"

namespace basin {

struct RetryPolicy {
  int max_attempts = 6;  // including the first
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10'000};
  // How to wait; tests substitute one that does not sleep. Default: sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class RetryingStore : public ObjectStore {
 public:
  RetryingStore(std::shared_ptr<ObjectStore> base, RetryPolicy policy = {});

  // Attempts beyond the first, over the store's life.
  uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }

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
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;
  Result<std::unique_ptr<AppendableObject>> DoOpenAppendable(std::string_view key) override;

 private:
  template <typename F>
  auto Run(F&& call) -> decltype(call());
  void Backoff(int attempt);
  // Whether the object holds exactly `data` now (after a conditional put whose earlier
  // attempt may have been applied before its answer was lost).
  bool StoredBytesAre(std::string_view key, std::string_view data);

  std::shared_ptr<ObjectStore> base_;
  RetryPolicy policy_;
  std::atomic<uint64_t> retries_{0};
};

}  // namespace basin

#endif  // BASIN_RETRYING_STORE_H_
