// Runs CPU work (compression, encryption) on items in parallel and hands the results on in
// the order they came in: the shape of a writer that compresses blocks on several threads
// but must store them one after the other.
//
//   OrderedPipeline<Block> p(threads, max_waiting,
//                            [](Block& b, size_t worker) { return Compress(b, worker); },
//                            [&](Block& b) { return Store(b); });
//   for (...) BASIN_RETURN_IF_ERROR(p.Submit(std::move(block)));
//   BASIN_RETURN_IF_ERROR(p.Finish());
//
// The work runs as a TaskGroup on the process's executor (util/task_group.h, executor.h):
// at most `threads` items at once, each with a `worker` (0 .. threads-1) that no other item
// running at the same time has, for per-worker state such as a compression context. `sink`
// is called for each item in submission order, never for two at once, on whichever thread
// finished the work that made it ready. At most `max_waiting` submitted items wait to be
// worked on; Submit blocks beyond that (running waiting work itself when a worker is
// free), so memory stays bounded: waiting items, one per worker, and those done but
// waiting for an earlier one.
//
// The first error from `work` or `sink` stops the pipeline: items not yet sunk are dropped
// (none after the failed one is ever sunk), and Submit and Finish return that error.
// Submit and Finish are for one thread (the producer). Destroying a pipeline without
// Finish drops what was not yet sunk (work in progress completes, unsunk).
#ifndef BASIN_UTIL_ORDERED_PIPELINE_H_
#define BASIN_UTIL_ORDERED_PIPELINE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "basin/status.h"
#include "util/task_group.h"

namespace basin {

template <typename T>
class OrderedPipeline {
 public:
  using Work = std::function<Status(T&, size_t worker)>;
  using Sink = std::function<Status(T&)>;

  // executor: null means DefaultExecutor().
  OrderedPipeline(size_t threads, size_t max_waiting, Work work, Sink sink,
                  Executor* executor = nullptr)
      : work_(std::move(work)), sink_(std::move(sink)), group_(threads, max_waiting, executor) {}

  ~OrderedPipeline() {
    cancelled_.store(true, std::memory_order_relaxed);
    group_.Wait().IgnoreError();
  }

  OrderedPipeline(const OrderedPipeline&) = delete;
  OrderedPipeline& operator=(const OrderedPipeline&) = delete;

  Status Submit(T item) {
    const uint64_t seq = next_submit_++;
    auto held = std::make_shared<T>(std::move(item));
    return group_.Run([this, seq, held](size_t worker) -> Status {
      if (cancelled_.load(std::memory_order_relaxed)) return Status::OK();
      BASIN_RETURN_IF_ERROR(work_(*held, worker));
      return Deliver(seq, std::move(*held));
    });
  }

  // Waits until every submitted item has been through `sink`; the first error.
  Status Finish() { return group_.Wait(); }

 private:
  // Files a worked item, and sinks every item that is next in order, unless another
  // thread is already sinking (it will find this one).
  Status Deliver(uint64_t seq, T item) {
    std::unique_lock lock(mu_);
    if (failed_) return Status::OK();  // the group already holds the error
    done_.emplace(seq, std::move(item));
    while (!sinking_ && !done_.empty() && done_.begin()->first == next_sink_) {
      if (cancelled_.load(std::memory_order_relaxed)) return Status::OK();
      sinking_ = true;
      T ready = std::move(done_.begin()->second);
      done_.erase(done_.begin());
      lock.unlock();
      Status s = sink_(ready);
      lock.lock();
      sinking_ = false;
      if (!s.ok()) {
        failed_ = true;
        done_.clear();
        return s;
      }
      ++next_sink_;
    }
    return Status::OK();
  }

  const Work work_;
  const Sink sink_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::map<uint64_t, T> done_;  // worked, waiting for an earlier item to be sunk
  uint64_t next_submit_ = 0;    // producer thread only
  uint64_t next_sink_ = 0;
  bool sinking_ = false;
  bool failed_ = false;
  TaskGroup group_;  // last: destroyed (waited for) first
};

}  // namespace basin

#endif  // BASIN_UTIL_ORDERED_PIPELINE_H_
