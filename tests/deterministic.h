// Makes basin's calls to its store a function of its input, for tests that replay a seeded
// schedule (tests/step_scheduler.h):
//   - an executor that runs nothing: every TaskGroup (and so every pipeline, ParallelFor,
//     background seal) then runs its tasks on the thread that waits for them
//     (util/task_group.h, "Never deadlocks on a busy executor"), so one backup or restore
//     makes its store calls from one thread, in one order;
//   - libsodium's random bytes (stratum and table names, nonces, salts) from a generator per
//     thread, seeded with SeedThisThread.
// What remains free: hash-table iteration in sanitizer builds (Abseil randomizes it when
// NDEBUG is not defined), the memory store's clock, and the wall clock in snapshots (so
// snapshot ids differ from run to run: pick snapshots by what they are, not by id).
// InstallDeterministicProcess must run before anything uses the default executor; it is
// for a test binary of its own.
#ifndef BASIN_TESTS_DETERMINISTIC_H_
#define BASIN_TESTS_DETERMINISTIC_H_

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>

#include "basin/executor.h"

namespace basin::testing {

// Drops every task: TaskGroups run their work on their waiting threads instead.
class NoThreadExecutor : public Executor {
 public:
  void Schedule(std::function<void()> task) override { task = nullptr; }
  size_t threads() const override { return 1; }
};

namespace internal {
inline std::mt19937_64& ThreadRandom() {
  thread_local std::mt19937_64 rng(1);
  return rng;
}
inline const char* SeededName() { return "seeded per thread (tests)"; }
inline uint32_t SeededRandom() { return static_cast<uint32_t>(ThreadRandom()()); }
inline void SeededBuf(void* const buf, const size_t size) {
  auto* out = static_cast<unsigned char*>(buf);
  for (size_t i = 0; i < size; i += 8) {
    const uint64_t v = ThreadRandom()();
    std::memcpy(out + i, &v, std::min<size_t>(8, size - i));
  }
}
}  // namespace internal

// Seeds this thread's random bytes.
inline void SeedThisThread(uint64_t seed) { internal::ThreadRandom().seed(seed); }

// The executor that runs nothing (for BasinOptions::executor).
inline Executor* NoThreads() {
  static NoThreadExecutor executor;
  return &executor;
}

// Installs both, once per process. False when the default executor was already in use.
inline bool InstallDeterministicProcess() {
  static randombytes_implementation seeded = {
      internal::SeededName, internal::SeededRandom, nullptr, nullptr, internal::SeededBuf, nullptr};
  static const bool installed = [] {
    if (!SetDefaultExecutor(NoThreads())) return false;
    // libsodium draws random bytes once per process, in sodium_init (its guarded
    // allocations' canary): done here, before any seed, or the first schedule of a process
    // would start two draws further into its stream than every later one.
    return randombytes_set_implementation(&seeded) == 0 && sodium_init() >= 0;
  }();
  return installed;
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_DETERMINISTIC_H_
