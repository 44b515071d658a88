#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <string_view>

namespace basin::testing {
namespace {

// Sets the Connection header of an HTTP message to close.
std::string WithClose(const std::string& msg) {
  const size_t end = msg.find("\r\n\r\n");
  if (end == std::string::npos) return msg;
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
    : upstream_port_(upstream_port),
      probability_(probability),
      stall_ms_(stall_ms),
      rng_(seed),
      server_([this](const std::string& request) { return Handle(request); }) {}

void FaultProxy::FailNext(const std::string& pattern, int count, Fault fault) {
  std::lock_guard lock(mu_);
  plans_.push_back({std::regex(pattern), count, fault});
}

uint64_t FaultProxy::total_faults() const {
  uint64_t n = 0;
  for (int f = 1; f < kFaultCount; ++f) n += faults_[f];
  return n;
}

const char* FaultProxy::FaultName(Fault f) {
  static const char* const kNames[] = {"none",  "500",      "503 SlowDown", "reset",
                                       "stall", "truncate", "drop response"};
  return kNames[f];
}

FaultProxy::Fault FaultProxy::Pick(const std::string& request_line) {
  std::lock_guard lock(mu_);
  for (Plan& p : plans_) {
    if (p.count > 0 && std::regex_search(request_line, p.pattern)) {
      --p.count;
      return p.fault;
    }
  }
  if (std::uniform_real_distribution<double>(0, 1)(rng_) >= probability_) return kNone;
  return static_cast<Fault>(1 + rng_() % (kFaultCount - 1));
}

TestHttpServer::Reply FaultProxy::Handle(const std::string& request) {
  const Fault f = Pick(RequestLine(request));
  ++faults_[f];
  TestHttpServer::Reply reply;
  switch (f) {
    case kError500:
      reply.bytes =
          "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      break;
    case kSlowDown: {
      const std::string body = "<Error><Code>SlowDown</Code></Error>";
      reply.bytes = "HTTP/1.1 503 Slow Down\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n\r\n" + body;
      break;
    }
    case kStall:
      reply.delay_ms = stall_ms_;  // then close without a word
      break;
    case kDropResponse:
      Forward(upstream_port_, request);  // applied, never answered
      break;
    default: {
      reply.bytes = WithClose(Forward(upstream_port_, request));
      if (f == kReset || f == kTruncate) {
        // Half the body, then gone; a response with no body is cut inside its status
        // line (cut anywhere after it, a client may take the status as the answer).
        const size_t head_end = reply.bytes.find("\r\n\r\n");
        const size_t body = head_end == std::string::npos ? reply.bytes.size() : head_end + 4;
        reply.bytes.resize(reply.bytes.size() > body ? body + (reply.bytes.size() - body) / 2
                                                     : std::min<size_t>(8, reply.bytes.size()));
        reply.reset = f == kReset;
      }
    }
  }
  return reply;
}

}  // namespace basin::testing
