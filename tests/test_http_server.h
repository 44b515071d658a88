// A tiny HTTP server for tests, on a real socket of 127.0.0.1: it reads each request
// (headers and a Content-Length body), hands it to a handler, and writes back the bytes
// the handler returns, then closes the connection (one request per connection), or, when
// made to keep connections, reads the next request on it. The handler decides everything
// else: a status, headers, a body, garbage, a reset, silence.
// The fault proxy is built on it, and tests use it directly as a fake S3 server that gives
// malformed answers.
#ifndef BASIN_TESTS_TEST_HTTP_SERVER_H_
#define BASIN_TESTS_TEST_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace basin::testing {

class TestHttpServer {
 public:
  struct Reply {
    std::string bytes;   // written as they are (a whole answer, part of one, or nothing)
    bool reset = false;  // close with a TCP reset rather than an orderly close
    int delay_ms = 0;    // wait this long first
    // When inside the bytes: write them in two writes, the first `split` bytes and then the
    // rest, as servers that write an answer's headers and its body apart do. The socket
    // keeps Nagle's algorithm on, as theirs do.
    size_t split = 0;
  };
  // Called on the connection's own thread; may be called on several at once.
  using Handler = std::function<Reply(const std::string& request)>;

  // `keep_connections`: serve requests on a connection until the client closes it (the
  // handler's answers then must not say "Connection: close"), rather than one.
  explicit TestHttpServer(Handler handler, bool keep_connections = false);
  ~TestHttpServer();  // waits for the connections being served

  int port() const { return port_; }
  uint64_t requests() const { return requests_; }
  uint64_t connections() const { return connections_; }

 private:
  void Serve();
  void Handle(int client);

  Handler handler_;
  const bool keep_connections_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> connections_{0};
  std::thread acceptor_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers_;  // acceptor thread only
};

// "HTTP/1.1 STATUS Reason" with Content-Length, Connection: close, the given headers and
// body. `head_only`: the headers of such an answer without its body (a HEAD's answer).
std::string HttpAnswer(int status, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       bool head_only = false);

// Writes all of `data` to the socket; false when the peer is gone.
bool SendAll(int fd, std::string_view data);

// The request's first line: "PUT /bucket/key?partNumber=1&uploadId=x HTTP/1.1".
std::string RequestLine(const std::string& request);

}  // namespace basin::testing

#endif  // BASIN_TESTS_TEST_HTTP_SERVER_H_
