// Retrier: repeats a call that failed with a retryable status, with exponential backoff and
// full jitter, as RetryPolicy says. The one retry loop of the project: RetryingStore wraps
// every store call in it, and network stores (S3's streamed writer) run each of their own
// requests through one, since the bytes of a part are theirs to resend.
//
// RetryConditionalWrite adds what a create-only or if-match write needs: an attempt that
// failed retryably may have been applied before its answer was lost, so a later attempt
// reporting AlreadyExists is checked against what is stored before it is believed.
//
// Thread-safe: one Retrier may serve many threads (it keeps only a counter).
#ifndef BASIN_STORE_RETRIER_H_
#define BASIN_STORE_RETRIER_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "basin/retrying_store.h"
#include "basin/status.h"

namespace basin {

class Retrier {
 public:
  explicit Retrier(RetryPolicy policy);

  // Calls `call` (returning Status or Result<T>) until it succeeds, fails without the
  // retryable bit, or max_attempts calls were made; returns the last answer.
  template <typename F>
  auto Run(F&& call) -> decltype(call()) {
    for (int attempt = 0;; ++attempt) {
      auto r = call();
      const Status& s = StatusOf(r);
      if (s.ok() || !s.retryable() || attempt + 1 >= policy_.max_attempts) return r;
      Backoff(attempt);
    }
  }

  // Waits before attempt `attempt + 1`: uniform in [0, min(max_backoff, initial * 2^attempt)].
  void Backoff(int attempt);

  const RetryPolicy& policy() const { return policy_; }
  // Attempts beyond the first, over the retrier's life.
  uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  static const Status& StatusOf(const Status& s) { return s; }
  template <typename T>
  static const Status& StatusOf(const Result<T>& r) {
    return r.status();
  }

  RetryPolicy policy_;
  std::atomic<uint64_t> retries_{0};
};

// Runs a conditional write (create-only, if-match) under `retrier`. When an attempt failed
// retryably (it may have been applied, its answer lost) and a later one reports
// AlreadyExists, `stored_is_ours` is asked whether the stored object holds exactly the bytes
// written: then our own earlier attempt won, and the write succeeds.
Status RetryConditionalWrite(Retrier& retrier, const std::function<Status()>& write,
                             const std::function<bool()>& stored_is_ours);

}  // namespace basin

#endif  // BASIN_STORE_RETRIER_H_
