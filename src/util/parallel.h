// Runs fn(0) .. fn(n-1) on up to `parallelism` threads and returns the first error (by
// index). Every call is made even when one fails. For I/O that waits, not for CPU work.
#ifndef BASIN_UTIL_PARALLEL_H_
#define BASIN_UTIL_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "basin/status.h"

namespace basin {

inline Status ParallelFor(size_t n, size_t parallelism, const std::function<Status(size_t)>& fn) {
  std::vector<Status> results(n);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) results[i] = fn(i);
  };
  const size_t threads = std::min(n, std::max<size_t>(parallelism, 1));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (auto& s : results) {
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace basin

#endif  // BASIN_UTIL_PARALLEL_H_
