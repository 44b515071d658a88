// How a TaskGroup shares its work: queued tasks are taken by "drainers", executor tasks that
// run queued tasks one after the other while a slot is free, and by threads waiting in Run
// or Wait (helping). MaybeSchedule keeps enough drainers on their way to fill the free
// slots; a drainer that finds nothing to do just ends.
#include "util/task_group.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace basin {

struct TaskGroup::State : std::enable_shared_from_this<State> {
  State(size_t parallelism, size_t max_queued, Executor* executor)
      : executor(executor != nullptr ? executor : DefaultExecutor()),
        parallelism(std::max<size_t>(parallelism, 1)),
        max_queued(std::max<size_t>(max_queued, 1)) {
    for (size_t i = this->parallelism; i > 0; --i) free_slots.push_back(i - 1);
  }

  // Runs the front task on a free slot, the lock released meanwhile.
  // REQUIRES: lock held on mu, queue not empty, a free slot, status ok.
  void RunOne(std::unique_lock<std::mutex>& lock) {
    Task task = std::move(queue.front());
    queue.pop_front();
    const size_t slot = free_slots.back();
    free_slots.pop_back();
    cv.notify_all();  // room in the queue
    lock.unlock();
    Status s = task(slot);
    task = nullptr;  // release its captures outside the lock
    lock.lock();
    free_slots.push_back(slot);
    if (!s.ok() && status.ok()) {
      status = std::move(s);
      queue.clear();
    }
    cv.notify_all();
  }

  bool CanRun() const { return !queue.empty() && !free_slots.empty() && status.ok(); }

  // Schedules drainers for the work that free slots could take now. REQUIRES: mu held.
  void MaybeSchedule() {
    const size_t want = std::min(queue.size(), free_slots.size());
    for (; pending_drainers < want; ++pending_drainers) {
      executor->Schedule([self = shared_from_this()] { self->Drain(); });
    }
  }

  void Drain() {
    std::unique_lock lock(mu);
    --pending_drainers;
    while (CanRun()) RunOne(lock);
    MaybeSchedule();  // work this drainer could not take (no slot) may be takeable later
  }

  // Runs queued tasks on this thread while it must wait for `done`. REQUIRES: mu held.
  template <typename Pred>
  void HelpUntil(std::unique_lock<std::mutex>& lock, Pred done) {
    while (!done()) {
      if (CanRun()) {
        RunOne(lock);
        MaybeSchedule();
      } else {
        cv.wait(lock);
      }
    }
  }

  Executor* const executor;
  const size_t parallelism;
  const size_t max_queued;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Task> queue;
  std::vector<size_t> free_slots;
  size_t pending_drainers = 0;  // scheduled on the executor, not yet started
  Status status;
};

TaskGroup::TaskGroup(size_t parallelism, size_t max_queued, Executor* executor)
    : state_(std::make_shared<State>(parallelism, max_queued, executor)) {}

TaskGroup::~TaskGroup() { Wait().IgnoreError(); }

Status TaskGroup::Run(Task task) {
  State& st = *state_;
  std::unique_lock lock(st.mu);
  st.HelpUntil(lock, [&] { return !st.status.ok() || st.queue.size() < st.max_queued; });
  if (!st.status.ok()) return st.status;
  st.queue.push_back(std::move(task));
  st.MaybeSchedule();
  return Status::OK();
}

Status TaskGroup::Wait() {
  State& st = *state_;
  std::unique_lock lock(st.mu);
  st.HelpUntil(lock, [&] { return st.queue.empty() && st.free_slots.size() == st.parallelism; });
  return st.status;
}

Status TaskGroup::status() const {
  std::lock_guard lock(state_->mu);
  return state_->status;
}

size_t TaskGroup::parallelism() const { return state_->parallelism; }

}  // namespace basin
