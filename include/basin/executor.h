// Executor: the one bounded pool of threads a process runs basin's parallel work on
// (compressing blocks, uploading parts, reading object tails), in the manner of LevelDB's
// Env::Schedule. Components never start threads of their own: they schedule tasks here, each
// capping how many of its own tasks run at once (a log writer's compression, an S3
// writer's parts in flight), so that the process as a whole has a bounded number of
// threads however many writers and readers it opens.
//
// The default executor is created on first use with DefaultExecutorThreads() threads. A
// program that embeds basin and has a pool of its own may install an adapter with
// SetDefaultExecutor before it opens anything, or hand an Executor to the options of the
// components that take one.
//
// Tasks may block (on I/O, or waiting for other tasks): basin's task groups and pipelines
// run queued work on the waiting thread itself when no pool thread is free (see
// util/task_group.h), so a full pool never deadlocks them.
#ifndef BASIN_EXECUTOR_H_
#define BASIN_EXECUTOR_H_

#include <cstddef>
#include <functional>
#include <memory>

namespace basin {

class Executor {
 public:
  virtual ~Executor() = default;
  // Queues `task` to run once on one of the executor's threads, soon. Never blocks and
  // never runs the task on the calling thread. Callers bound their own queued work.
  // Thread-safe.
  virtual void Schedule(std::function<void()> task) = 0;
  // How many tasks can run at the same time (the number of threads), at least 1.
  virtual size_t threads() const = 0;
};

// A pool of at most `threads` threads (at least 1), started as work arrives and kept
// until the pool is destroyed. Destroying it waits for the tasks already queued.
std::unique_ptr<Executor> NewThreadPool(size_t threads);

// The process's executor: what every basin component uses unless its options name
// another. Never null; lives until the process exits. Thread-safe.
Executor* DefaultExecutor();

// The number of threads of the default pool: 4 per core, at least 8, at most 64 (tasks
// that wait on the network need more threads than there are cores; CPU-bound users cap
// themselves at the core count).
size_t DefaultExecutorThreads();

// Installs `executor` as the process's default. REQUIRES: called before the first
// DefaultExecutor() (before basin opens anything); `executor` outlives every use. Returns
// false, changing nothing, when the default is already in use.
bool SetDefaultExecutor(Executor* executor);

}  // namespace basin

#endif  // BASIN_EXECUTOR_H_
