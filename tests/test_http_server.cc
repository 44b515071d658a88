#include "test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <string_view>

namespace basin::testing {
namespace {

// Reads one request: headers, then Content-Length bytes of body.
bool ReadRequest(int fd, std::string* req) {
  char buf[65536];
  size_t header_end = std::string::npos;
  while (header_end == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    req->append(buf, static_cast<size_t>(n));
    header_end = req->find("\r\n\r\n");
  }
  size_t length = 0;
  std::string lower = req->substr(0, header_end);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (const size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
    size_t p = at + 17;
    while (p < lower.size() && lower[p] == ' ') ++p;
    const auto [end, ec] = std::from_chars(lower.data() + p, lower.data() + lower.size(), length);
    if (ec != std::errc()) return false;
  }
  while (req->size() < header_end + 4 + length) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    req->append(buf, static_cast<size_t>(n));
  }
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 412:
      return "Precondition Failed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Slow Down";
    default:
      return "Status";
  }
}

}  // namespace

TestHttpServer::TestHttpServer(Handler handler, bool keep_connections)
    : handler_(std::move(handler)), keep_connections_(keep_connections) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  ::listen(listen_fd_, 128);
  acceptor_ = std::thread([this] { Serve(); });
}

TestHttpServer::~TestHttpServer() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  for (auto& w : workers_) w.thread.join();
}

void TestHttpServer::Serve() {
  while (!stop_) {
    // Join the connections that are done, so that threads do not pile up.
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (*it->done) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back({std::thread([this, client, done] {
                          Handle(client);
                          *done = true;
                        }),
                        done});
  }
}

void TestHttpServer::Handle(int client) {
  ++connections_;
  bool more = true;
  while (more) {
    std::string request;
    if (!ReadRequest(client, &request)) break;
    ++requests_;
    const Reply reply = handler_(request);
    if (reply.delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
    }
    if (reply.reset) {
      linger l{1, 0};  // a reset, not an orderly close
      ::setsockopt(client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    const std::string_view bytes = reply.bytes;
    const size_t split = reply.split < bytes.size() ? reply.split : 0;
    more = SendAll(client, bytes.substr(0, split)) && SendAll(client, bytes.substr(split)) &&
           keep_connections_ && !reply.reset && !stop_;
  }
  ::close(client);
}

std::string HttpAnswer(int status, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    out += k + ": " + v + "\r\n";
    if (k == "Content-Length") has_length = true;
  }
  if (!has_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  return head_only ? out : out + body;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RequestLine(const std::string& request) {
  return request.substr(0, request.find("\r\n"));
}

}  // namespace basin::testing
