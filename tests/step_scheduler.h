// StepScheduler: runs several actors, each on its own thread and standing for a process of
// its own (its own Basin over its own HookStore on one shared store), one store call at a
// time, in an order a seed chooses; and crashes an actor at a chosen call.
//
// Each actor's HookStore calls Before() ahead of every store call: the call waits until
// every live actor is waiting at a call of its own (or has ended), and the scheduler then
// lets exactly one of them make its call and run on, locally, to its next call. So between
// two store calls only one actor runs, and the interleaving is a function of the seed (given
// actors whose calls depend only on what the store answered: see deterministic.h).
//
// Choice: with probability `switch_probability` (drawn per schedule) the next call goes to
// an actor picked at random among those waiting, else the actor that made the last call
// goes on, so that schedules range from whole actors one after the other to a switch at
// every call.
//
// Crashes: an actor given crash_at = k fails its k-th call and every later one, without
// reaching the store (as a killed process would stop; what it held in memory is lost). It
// then counts as ended; its thread unwinds on its own, touching the store no more.
// "append" calls (a streamed write's bytes, invisible until "close") are not steps: they go
// through at once while their actor runs.
#ifndef BASIN_TESTS_STEP_SCHEDULER_H_
#define BASIN_TESTS_STEP_SCHEDULER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "basin/status.h"
#include "hook_store.h"

namespace basin::testing {

class StepScheduler {
 public:
  struct Step {
    int actor;
    std::string call, key;
    uint64_t live;       // the other actors (bits by index) that had started and not ended
    std::string result;  // "ok", a status code's name, or "CRASH"
  };

  StepScheduler(uint64_t seed, double switch_probability)
      : rng_(seed), switch_probability_(switch_probability) {}

  // Adds an actor; crash_at: the store call (1-based) it crashes at, 0 for none.
  int AddActor(std::string name, uint64_t crash_at) {
    actors_.push_back(Actor{std::move(name), crash_at});
    return static_cast<int>(actors_.size()) - 1;
  }

  // Makes `store`'s calls the steps of `actor`.
  void Attach(int actor, HookStore* store) {
    store->before = [this, actor](const StoreCall& c) { return Before(actor, c); };
    store->after = [this, actor](const StoreCall& c, const Status& s) { After(actor, c, s); };
  }

  // Runs body(i) for each actor i on its own thread, one store call at a time, until every
  // one has ended. False when an actor ran for longer than `stall` without reaching its
  // next call (a hang: the trace ends where it hung); the actors then run freely to their
  // end.
  bool Run(const std::function<void(int)>& body, std::chrono::seconds stall) {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < actors_.size(); ++i) {
      threads.emplace_back([this, i, &body] {
        body(static_cast<int>(i));
        std::lock_guard lock(mu_);
        actors_[i].state = State::kEnded;
        cv_.notify_all();
      });
    }
    bool ok = true;
    {
      std::unique_lock lock(mu_);
      int last = -1;
      while (true) {
        if (!cv_.wait_for(lock, stall, [&] { return !AnyRunning(); })) {
          steps_.push_back(Step{-1, "stalled", "", 0,
                                "an actor ran for " + std::to_string(stall.count()) +
                                    " s without reaching a store call"});
          free_ = true;
          cv_.notify_all();
          ok = false;
          break;
        }
        std::vector<int> waiting;
        for (size_t i = 0; i < actors_.size(); ++i) {
          if (actors_[i].state == State::kWaiting) waiting.push_back(static_cast<int>(i));
        }
        if (waiting.empty()) break;
        int next = last;
        if (next < 0 || actors_[next].state != State::kWaiting ||
            std::bernoulli_distribution(switch_probability_)(rng_)) {
          next = waiting[std::uniform_int_distribution<size_t>(0, waiting.size() - 1)(rng_)];
        }
        last = next;
        Actor& a = actors_[next];
        a.state = State::kRunning;
        a.granted = true;
        cv_.notify_all();
      }
    }
    for (auto& t : threads) t.join();
    return ok;
  }

  // One line per step: "<actor> <call> <key> -> <result>", and the crashes.
  std::vector<std::string> trace() const {
    std::vector<std::string> out;
    for (const Step& s : steps_) {
      const std::string who = s.actor < 0 ? "-" : actors_[s.actor].name;
      out.push_back(fmt::format("{} {} {} -> {}", who, s.call, s.key, s.result));
    }
    return out;
  }
  const std::vector<Step>& steps() const { return steps_; }
  bool crashed(int actor) const { return actors_[actor].crashed; }
  uint64_t steps(int actor) const { return actors_[actor].calls; }
  uint64_t total_steps() const {
    uint64_t n = 0;
    for (const Actor& a : actors_) n += a.calls;
    return n;
  }

  static bool IsCrash(const Status& s) {
    return s.IsIOError() && s.message().find("crashed here") != std::string_view::npos;
  }

 private:
  enum class State { kStarting, kRunning, kWaiting, kEnded };
  struct Actor {
    std::string name;
    uint64_t crash_at = 0;
    State state = State::kStarting;
    bool granted = false, crashed = false;
    uint64_t calls = 0;
    size_t line = 0;  // its last step in steps_
  };

  bool AnyRunning() const {
    for (const Actor& a : actors_) {
      if (a.state == State::kRunning || a.state == State::kStarting) return true;
    }
    return false;
  }

  Status Crashed(const Actor& a, const StoreCall& c) const {
    return Status::IOError(
        fmt::format("{} crashed here (store call {}, {} {})", a.name, a.calls, c.name, c.key));
  }

  Status Before(int actor, const StoreCall& c) {
    std::unique_lock lock(mu_);
    Actor& a = actors_[actor];
    if (a.crashed) return Crashed(a, c);
    if (c.name == "append" || free_) return Status::OK();
    a.state = State::kWaiting;
    cv_.notify_all();
    cv_.wait(lock, [&] { return a.granted || free_; });
    a.granted = false;
    a.state = State::kRunning;
    ++a.calls;
    a.line = steps_.size();
    uint64_t live = 0;
    for (size_t i = 0; i < actors_.size(); ++i) {
      if (static_cast<int>(i) != actor && actors_[i].state != State::kEnded) live |= 1ull << i;
    }
    steps_.push_back(Step{actor, std::string(c.name), std::string(c.key), live, ""});
    if (a.calls == a.crash_at) {
      a.crashed = true;
      a.state = State::kEnded;
      steps_.back().result = "CRASH";
      cv_.notify_all();
      return Crashed(a, c);
    }
    return Status::OK();
  }

  void After(int actor, const StoreCall& c, const Status& s) {
    if (c.name == "append") return;
    std::lock_guard lock(mu_);
    const Actor& a = actors_[actor];
    if (a.line < steps_.size()) {
      steps_[a.line].result = s.ok() ? "ok" : std::string(StatusCodeName(s.code()));
    }
  }

  std::mt19937_64 rng_;
  const double switch_probability_;
  std::vector<Actor> actors_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Step> steps_;
  bool free_ = false;  // after a stall: nothing waits any more
};

}  // namespace basin::testing

#endif  // BASIN_TESTS_STEP_SCHEDULER_H_
