// A plain thread pool: one FIFO queue under a mutex, threads started as work arrives (up to
// the bound) and parked on a condition variable when idle. basin's tasks are coarse (a
// block to compress, a part to upload), so one queue is not a point of contention.
#include "basin/executor.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace basin {
namespace {

class ThreadPool : public Executor {
 public:
  explicit ThreadPool(size_t threads) : max_threads_(std::max<size_t>(threads, 1)) {}

  ~ThreadPool() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void Schedule(std::function<void()> task) override {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
    if (idle_ == 0 && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Run(); });
    } else {
      cv_.notify_one();
    }
  }

  size_t threads() const override { return max_threads_; }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      ++idle_;
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // stopping, and every queued task has run
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // release what it captured before sleeping
      lock.lock();
    }
  }

  const size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

std::atomic<Executor*> g_installed{nullptr};
std::atomic<bool> g_default_used{false};

}  // namespace

std::unique_ptr<Executor> NewThreadPool(size_t threads) {
  return std::make_unique<ThreadPool>(threads);
}

size_t DefaultExecutorThreads() {
  const size_t cores = std::max<size_t>(std::thread::hardware_concurrency(), 1);
  return std::clamp<size_t>(4 * cores, 8, 64);
}

Executor* DefaultExecutor() {
  g_default_used.store(true, std::memory_order_release);
  if (Executor* e = g_installed.load(std::memory_order_acquire)) return e;
  // Never destroyed: threads may still be parked in it while static destructors run.
  static Executor* const pool = new ThreadPool(DefaultExecutorThreads());
  return pool;
}

bool SetDefaultExecutor(Executor* executor) {
  if (executor == nullptr || g_default_used.load(std::memory_order_acquire)) return false;
  Executor* expected = nullptr;
  return g_installed.compare_exchange_strong(expected, executor, std::memory_order_acq_rel);
}

}  // namespace basin
