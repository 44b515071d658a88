// An HTTP proxy for tests that sits between a client and a real server on 127.0.0.1 and
// breaks chosen exchanges: answers 500 or 503 SlowDown without forwarding, resets the
// connection in the middle of the response body (in its status line when it has none), stalls past
// the client's patience, truncates the body, or forwards the request and then drops the response
// (the server applied it, the client never hears). Each request gets a fault with the given
// probability (seeded), or a planned one (FailNext). One request per connection: it answers
// "Connection: close". Built on TestHttpServer.
#ifndef BASIN_TESTS_FAULT_PROXY_H_
#define BASIN_TESTS_FAULT_PROXY_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "test_http_server.h"

namespace basin::testing {

class FaultProxy {
 public:
  enum Fault { kNone, kError500, kSlowDown, kReset, kStall, kTruncate, kDropResponse, kFaultCount };

  // Forwards to upstream_port on 127.0.0.1. probability: of a fault per request.
  FaultProxy(int upstream_port, double probability, uint64_t seed, int stall_ms = 3000);

  int port() const { return server_.port(); }
  void set_probability(double p) { probability_ = p; }
  // The next `count` requests whose first line ("PUT /b/k?partNumber=2&uploadId=.. HTTP/1.1")
  // matches `pattern` (a regular expression, searched) get `fault`, whatever the
  // probability. Plans are tried in the order given.
  void FailNext(const std::string& pattern, int count, Fault fault);
  uint64_t requests() const { return server_.requests(); }
  uint64_t faults(Fault f) const { return faults_[f]; }
  uint64_t total_faults() const;
  static const char* FaultName(Fault f);

 private:
  TestHttpServer::Reply Handle(const std::string& request);
  Fault Pick(const std::string& request_line);

  struct Plan {
    std::regex pattern;
    int count;
    Fault fault;
  };

  int upstream_port_;
  std::atomic<double> probability_;
  int stall_ms_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::vector<Plan> plans_;
  std::atomic<uint64_t> faults_[kFaultCount] = {};
  TestHttpServer server_;  // last: its threads use the members above
};

}  // namespace basin::testing

#endif  // BASIN_TESTS_FAULT_PROXY_H_
