// RetryingStore: repeats calls that failed with a retryable status (timeouts, throttling,
// resets), with exponential backoff and full jitter, up to a number of attempts.
// Non-retryable failures (NotFound, Corruption, permission, a failed fsync) return at once.
//
// A create-only or if-match put whose earlier attempt failed retryably may have been
// applied before its response was lost; if a later attempt then finds the key present (or
// changed), the stored object is read back and compared: identical bytes mean our own put
// won, and it succeeds.
//
// Streamed writes are not retried by this wrapper (the bytes are gone once appended): only
// NewWriter is; likewise appendable objects, of which only the opening is retried. Stores
// that stream over a network retry every request of their writers themselves, each part
// from the buffer it keeps until the server acknowledged it, with a RetryPolicy of their
// own (S3: S3Options::retry).
// Thread-safe.
#ifndef BASIN_RETRYING_STORE_H_
#define BASIN_RETRYING_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "basin/object_store.h"

namespace basin {

// How often and how patiently to retry: full jitter, the wait before attempt n+1 uniform in
// [0, min(max_backoff, initial_backoff * 2^n)].
struct RetryPolicy {
  int max_attempts = 6;  // including the first
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10'000};
  // How to wait; tests substitute one that does not sleep. Default: sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class Retrier;

class RetryingStore : public ObjectStore {
 public:
  RetryingStore(std::shared_ptr<ObjectStore> base, RetryPolicy policy = {});
  ~RetryingStore() override;

  // Attempts beyond the first, over the store's life.
  uint64_t retries() const;

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

 private:
  // Whether the object holds exactly `data` now (after a conditional put whose earlier
  // attempt may have been applied before its answer was lost).
  bool StoredBytesAre(std::string_view key, std::string_view data);

  std::shared_ptr<ObjectStore> base_;
  std::unique_ptr<Retrier> retrier_;
};

}  // namespace basin

#endif  // BASIN_RETRYING_STORE_H_
