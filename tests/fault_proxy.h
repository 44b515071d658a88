// An HTTP proxy for tests that sits between a client and a real server on 127.0.0.1 and
// breaks chosen exchanges: answers 500 or 503 SlowDown without forwarding, resets the
// connection in the middle of the response body (in its status line when it has none), stalls past
// the client's patience, truncates the body, or forwards the request and then drops the response
// (the server applied it, the client never hears). Each request gets a fault with the given
// probability (seeded). One request per connection: it answers "Connection: close".
#ifndef BASIN_TESTS_FAULT_PROXY_H_
#define BASIN_TESTS_FAULT_PROXY_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace basin::testing {

class FaultProxy {
 public:
  enum Fault { kNone, kError500, kSlowDown, kReset, kStall, kTruncate, kDropResponse, kFaultCount };

  // Forwards to upstream_port on 127.0.0.1. probability: of a fault per request.
  FaultProxy(int upstream_port, double probability, uint64_t seed, int stall_ms = 3000);
  ~FaultProxy();

  int port() const { return port_; }
  void set_probability(double p) { probability_ = p; }
  uint64_t requests() const { return requests_; }
  uint64_t faults(Fault f) const { return faults_[f]; }

 private:
  void Serve();
  void Handle(int client);
  Fault Pick();

  int upstream_port_;
  std::atomic<double> probability_;
  int stall_ms_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> faults_[kFaultCount] = {};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace basin::testing

#endif  // BASIN_TESTS_FAULT_PROXY_H_
