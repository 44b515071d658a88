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
// `work` runs on the pipeline's threads, several items at once; `worker` (0 .. threads-1)
// names the thread, for per-thread state such as a compression context. `sink` is called
// for each item in submission order, never for two at once, on whichever pipeline thread
// finished the work that made it ready. At most `max_waiting` submitted items wait for a
// thread; Submit blocks beyond that, so memory stays bounded: waiting items, one per thread
// at work, and those done but waiting for an earlier one.
//
// The first error from `work` or `sink` stops the pipeline: items not yet sunk are dropped
// (none after the failed one is ever sunk), and Submit and Finish return that error. Submit and
// Finish are for one thread (the producer).
#ifndef BASIN_UTIL_ORDERED_PIPELINE_H_
#define BASIN_UTIL_ORDERED_PIPELINE_H_

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "basin/status.h"

namespace basin {

template <typename T>
class OrderedPipeline {
 public:
  using Work = std::function<Status(T&, size_t worker)>;
  using Sink = std::function<Status(T&)>;

  OrderedPipeline(size_t threads, size_t max_waiting, Work work, Sink sink)
      : max_waiting_(std::max<size_t>(max_waiting, 1)),
        work_(std::move(work)),
        sink_(std::move(sink)) {
    const size_t n = std::max<size_t>(threads, 1);
    for (size_t i = 0; i < n; ++i) threads_.emplace_back([this, i] { Run(i); });
  }

  ~OrderedPipeline() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  OrderedPipeline(const OrderedPipeline&) = delete;
  OrderedPipeline& operator=(const OrderedPipeline&) = delete;

  Status Submit(T item) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_.size() < max_waiting_ || !status_.ok(); });
    if (!status_.ok()) return status_;
    waiting_.emplace_back(next_submit_++, std::move(item));
    cv_.notify_all();
    return Status::OK();
  }

  // Waits until every submitted item has been through `sink`; the first error.
  Status Finish() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return next_sink_ == next_submit_ || !status_.ok(); });
    return status_;
  }

 private:
  void Run(size_t worker) {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || (!waiting_.empty() && status_.ok()); });
      if (stopping_) return;
      auto [seq, item] = std::move(waiting_.front());
      waiting_.pop_front();
      cv_.notify_all();  // room for the producer
      lock.unlock();
      Status s = work_(item, worker);
      lock.lock();
      if (!s.ok()) {
        Fail(std::move(s));
        continue;
      }
      done_.emplace(seq, std::move(item));
      // Whoever finds the next item in order ready sinks it, and any after it; one at a time.
      while (!sinking_ && status_.ok() && !done_.empty() && done_.begin()->first == next_sink_) {
        sinking_ = true;
        T ready = std::move(done_.begin()->second);
        done_.erase(done_.begin());
        lock.unlock();
        s = sink_(ready);
        lock.lock();
        sinking_ = false;
        if (!s.ok()) {
          Fail(std::move(s));
          break;
        }
        ++next_sink_;
        cv_.notify_all();
      }
    }
  }

  // REQUIRES: mu_ held.
  void Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
    waiting_.clear();
    done_.clear();
    cv_.notify_all();
  }

  const size_t max_waiting_;
  const Work work_;
  const Sink sink_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<uint64_t, T>> waiting_;
  std::map<uint64_t, T> done_;  // worked, waiting for an earlier item to be sunk
  uint64_t next_submit_ = 0;
  uint64_t next_sink_ = 0;
  bool sinking_ = false;
  bool stopping_ = false;
  Status status_;
  std::vector<std::thread> threads_;
};

}  // namespace basin

#endif  // BASIN_UTIL_ORDERED_PIPELINE_H_
