#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string_view>

namespace basin::testing {
namespace {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

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
    length = std::stoull(lower.substr(at + 17));
  }
  while (req->size() < header_end + 4 + length) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    req->append(buf, static_cast<size_t>(n));
  }
  return true;
}

// Sets the Connection header of an HTTP message to close.
std::string WithClose(const std::string& msg) {
  const size_t end = msg.find("\r\n\r\n");
  std::string head = msg.substr(0, end), out;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string::npos) eol = head.size();
    std::string line = head.substr(pos, eol - pos);
    std::string lower = line;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("connection:", 0) != 0) out += line + "\r\n";
    pos = eol + 2;
  }
  return out + "Connection: close\r\n\r\n" + msg.substr(end + 4);
}

std::string Forward(int upstream_port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(upstream_port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      SendAll(fd, WithClose(request))) {
    char buf[65536];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return response;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, double probability, uint64_t seed, int stall_ms)
    : upstream_port_(upstream_port), probability_(probability), stall_ms_(stall_ms), rng_(seed) {
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

FaultProxy::~FaultProxy() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  for (auto& w : workers_) w.join();
}

FaultProxy::Fault FaultProxy::Pick() {
  std::lock_guard lock(mu_);
  if (std::uniform_real_distribution<double>(0, 1)(rng_) >= probability_) return kNone;
  return static_cast<Fault>(1 + rng_() % (kFaultCount - 1));
}

void FaultProxy::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    workers_.emplace_back([this, client] { Handle(client); });
  }
}

void FaultProxy::Handle(int client) {
  std::string request;
  if (!ReadRequest(client, &request)) {
    ::close(client);
    return;
  }
  ++requests_;
  const Fault f = Pick();
  ++faults_[f];
  std::string response;
  switch (f) {
    case kError500:
      response =
          "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      break;
    case kSlowDown: {
      const std::string body = "<Error><Code>SlowDown</Code></Error>";
      response = "HTTP/1.1 503 Slow Down\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\nConnection: close\r\n\r\n" + body;
      break;
    }
    case kStall:
      std::this_thread::sleep_for(std::chrono::milliseconds(stall_ms_));
      break;  // then close without a word
    case kDropResponse:
      Forward(upstream_port_, request);  // applied, never answered
      break;
    default: {
      response = WithClose(Forward(upstream_port_, request));
      if (f == kReset || f == kTruncate) {
        // Half the body, then gone; a response with no body is cut inside its status
        // line (cut anywhere after it, a client may take the status as the answer).
        const size_t body = response.find("\r\n\r\n") + 4;
        response.resize(response.size() > body ? body + (response.size() - body) / 2 : 8);
        if (f == kReset) {
          linger l{1, 0};  // a reset, not an orderly close
          ::setsockopt(client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
      }
    }
  }
  SendAll(client, response);
  ::close(client);
}

}  // namespace basin::testing
