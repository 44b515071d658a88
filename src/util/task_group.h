// TaskGroup: a set of tasks run on an Executor, at most `parallelism` at once, with at most
// `max_queued` waiting to start; the shape of "upload these parts, four at a time" or
// "read these tails in parallel".
//
//   TaskGroup g(/*parallelism=*/4, /*max_queued=*/4);
//   for (...) BASIN_RETURN_IF_ERROR(g.Run([&, i](size_t slot) { return Upload(i); }));
//   BASIN_RETURN_IF_ERROR(g.Wait());
//
// A task gets a `slot` in [0, parallelism): no two tasks running at the same time share one,
// so per-slot state (a compression context) needs no lock.
//
// Never deadlocks on a busy executor: when Run must wait for room, or Wait for the group to
// finish, and a slot is free while tasks are queued, the waiting thread runs a queued task
// itself. So a group makes progress even when every executor thread is blocked, including
// in groups of their own.
//
// Errors: the first task that fails stops the group. Tasks still queued are dropped (never
// run), Run returns the error instead of queueing, and Wait returns it. Tasks already
// running finish.
//
// Thread safety: Run, Wait and status may be called from several threads. The destructor
// waits for every task (tasks usually reference the caller's stack).
#ifndef BASIN_UTIL_TASK_GROUP_H_
#define BASIN_UTIL_TASK_GROUP_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "basin/executor.h"
#include "basin/status.h"

namespace basin {

class TaskGroup {
 public:
  using Task = std::function<Status(size_t slot)>;

  // executor: null means DefaultExecutor(). parallelism and max_queued are at least 1.
  TaskGroup(size_t parallelism, size_t max_queued, Executor* executor = nullptr);
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Queues `task`, first waiting (and helping) while max_queued tasks are queued. Returns
  // the group's error, without queueing, once a task has failed.
  Status Run(Task task);
  // Waits (and helps) until every queued task has run; the first error.
  Status Wait();
  // The first error so far (OK while none).
  Status status() const;
  size_t parallelism() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace basin

#endif  // BASIN_UTIL_TASK_GROUP_H_
