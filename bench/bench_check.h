// Benchmarks stop at the first basin error: Check(status), Must(result).
#ifndef BASIN_BENCH_BENCH_CHECK_H_
#define BASIN_BENCH_BENCH_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "basin/status.h"

namespace basin::bench {

// Prints the error and exits with 1 when `s` is not OK.
inline void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "basin: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

// The value of `r`, or (an error) what Check does.
template <typename T>
T Must(Result<T> r) {
  Check(r.status());
  return std::move(r).value();
}

}  // namespace basin::bench

#endif  // BASIN_BENCH_BENCH_CHECK_H_
