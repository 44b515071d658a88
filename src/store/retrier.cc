#include "store/retrier.h"

#include <algorithm>
#include <random>
#include <thread>

namespace basin {

Retrier::Retrier(RetryPolicy policy) : policy_(std::move(policy)) {
  policy_.max_attempts = std::max(policy_.max_attempts, 1);
}

void Retrier::Backoff(int attempt) {
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

Status RetryConditionalWrite(Retrier& retrier, const std::function<Status()>& write,
                             const std::function<bool()>& stored_is_ours) {
  bool maybe_applied = false;
  Status s = retrier.Run([&] {
    Status r = write();
    if (r.retryable()) maybe_applied = true;
    return r;
  });
  if (s.IsAlreadyExists() && maybe_applied && stored_is_ours()) {
    return Status::OK();  // our earlier attempt was applied; its answer was lost
  }
  return s;
}

}  // namespace basin
