// Runs fn(0) .. fn(n-1), at most `parallelism` at once, on the process's executor (or the one
// given), and returns the first error by index. Every call is made even when one fails. For
// I/O that waits (reading many objects' tails), not for long CPU work.
#ifndef BASIN_UTIL_PARALLEL_H_
#define BASIN_UTIL_PARALLEL_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "basin/status.h"
#include "util/task_group.h"

namespace basin {

inline Status ParallelFor(size_t n, size_t parallelism, const std::function<Status(size_t)>& fn,
                          Executor* executor = nullptr) {
  std::vector<Status> results(n);
  {
    TaskGroup group(parallelism, parallelism, executor);
    for (size_t i = 0; i < n; ++i) {
      // The tasks never fail (their status is kept by index), so Run always queues.
      group
          .Run([&results, &fn, i](size_t) {
            results[i] = fn(i);
            return Status::OK();
          })
          .IgnoreError();
    }
    group.Wait().IgnoreError();
  }
  for (auto& s : results) {
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace basin

#endif  // BASIN_UTIL_PARALLEL_H_
