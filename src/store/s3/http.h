// A small HTTP client over libcurl for the S3 store: keeps idle connections for reuse,
// bounds how long a connection may stall and how large an answer may grow, and checks that
// bodies arrive whole. Transport failures (refused, reset, timed out, cut short) are
// retryable IOErrors; a server certificate that does not verify is a PermissionDenied that
// is never retried (TLS fails closed); an answer over its bound is a plain IOError. The
// HTTP status is left to the caller. Thread-safe.
#ifndef BASIN_STORE_S3_HTTP_H_
#define BASIN_STORE_S3_HTTP_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "basin/status.h"

namespace basin::s3 {

struct HttpRequest {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
  // The largest answer body accepted, in bytes: a server sending more is cut off with an
  // error (never an unbounded allocation). Answers of S3 calls are small XML; gets raise it.
  size_t max_response_body = size_t{16} << 20;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; of the final answer
  std::string body;
};

struct HttpOptions {
  long connect_timeout_ms = 10'000;
  // A transfer slower than this many bytes a second for stall_seconds is cut off.
  long stall_bytes_per_second = 1024;
  long stall_seconds = 30;
  bool verify_tls = true;
  std::string ca_file;  // PEM file of the CAs to trust; empty: the system's
};

// Parses "bytes FIRST-LAST/TOTAL", as a 206 response describes its body; false when the
// header is malformed or inconsistent (LAST before FIRST, or at or past TOTAL).
bool ParseContentRange(std::string_view header, uint64_t* first, uint64_t* last, uint64_t* total);

// Parses a decimal number of at most 19 digits (Content-Length); false for anything else
// (empty, signs, spaces, garbage, overflow).
bool ParseDecimal(std::string_view text, uint64_t* value);

// Parses an HTTP date (RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", and the
// obsolete forms) or an ISO 8601 time as S3 listings give it ("2026-12-07T08:49:37.000Z");
// false when it is neither.
bool ParseHttpDate(std::string_view text, std::chrono::system_clock::time_point* time);
bool ParseIsoTime(std::string_view text, std::chrono::system_clock::time_point* time);

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Status Perform(const HttpRequest& request, HttpResponse* response);

 private:
  void* Acquire();
  void Release(void* handle);
  static void Discard(void* handle);

  const HttpOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;  // Handles (http.cc): CURL easy handles, each keeping its connection
};

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_HTTP_H_
