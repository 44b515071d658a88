#include "store/s3/http.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <absl/time/time.h>
#include <fmt/format.h>

namespace basin::s3 {
namespace {

void GlobalInit() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

struct Download {
  std::string* body;
  size_t max;
  bool overflow = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* d = static_cast<Download*>(user);
  if (size * n > d->max - d->body->size()) {
    d->overflow = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  d->body->append(data, size * n);
  return size * n;
}

// A libcurl easy handle and the socket of the connection it keeps, which libcurl does not
// tell while a transfer runs: noted when libcurl opens the socket, forgotten when it closes it.
struct Handle {
  CURL* curl = nullptr;
  curl_socket_t socket = CURL_SOCKET_BAD;
};

int OnSocketOpen(void* user, curl_socket_t socket, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) static_cast<Handle*>(user)->socket = socket;
  return CURL_SOCKOPT_OK;
}

int OnSocketClose(void* user, curl_socket_t socket) {
  auto* h = static_cast<Handle*>(user);
  if (h->socket == socket) h->socket = CURL_SOCKET_BAD;
  return ::close(socket);
}

// Has the kernel acknowledge at once what arrived on the handle's connection. A server that
// leaves Nagle's algorithm on (radosgw's beast frontend does, over HTTP and HTTPS, unless
// configured with tcp_nodelay=1) writes an answer's headers and a small body separately and
// holds the body back until the headers are acknowledged, and Linux delays that ACK by 40 ms
// on a connection that goes back and forth: every small GET, listing page or error answer
// would wait 40 ms. Acknowledging once the headers are in releases the body at once. A hint:
// where it fails or does not exist, answers are only slower.
void AcknowledgeNow(const Handle& h) {
#ifdef TCP_QUICKACK
  if (h.socket == CURL_SOCKET_BAD) return;
  const int one = 1;
  (void)::setsockopt(h.socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#else
  (void)h;
#endif
}

struct HeaderSink {
  const Handle* handle;
  std::map<std::string, std::string>* headers;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  auto* sink = static_cast<HeaderSink*>(user);
  auto* headers = sink->headers;
  if (line.starts_with("HTTP/")) {  // a new answer (after a 1xx): only the last one's count
    headers->clear();
    return size * n;
  }
  if (line == "\r\n" || line == "\n") {  // the end of an answer's headers: its body is next
    AcknowledgeNow(*sink->handle);
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    (*headers)[name] = std::string(value);
  }
  return size * n;
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t len = std::min(size * n, u->data.size() - u->offset);
  std::memcpy(buffer, u->data.data() + u->offset, len);
  u->offset += len;
  return len;
}

// Whether a transfer failed because the server's certificate (or our trust store) did not
// verify: never retried, whatever the server does.
bool IsTlsTrustFailure(CURLcode rc) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
      return true;
    default:
      return false;
  }
}

}  // namespace

HttpClient::HttpClient(HttpOptions options) : options_(options) { GlobalInit(); }

HttpClient::~HttpClient() {
  for (void* h : idle_) Discard(h);
}

void* HttpClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* curl = curl_easy_init();
  return curl == nullptr ? nullptr : new Handle{curl, CURL_SOCKET_BAD};
}

void HttpClient::Discard(void* handle) {
  auto* h = static_cast<Handle*>(handle);
  curl_easy_cleanup(h->curl);  // closes the connection through OnSocketClose: h goes after
  delete h;
}

void HttpClient::Release(void* handle) {
  std::lock_guard lock(mu_);
  idle_.push_back(handle);
}

Status HttpClient::Perform(const HttpRequest& request, HttpResponse* response) {
  auto* handle = static_cast<Handle*>(Acquire());
  if (handle == nullptr) return Status::IOError("libcurl could not start a request");
  CURL* curl = handle->curl;
  curl_easy_reset(curl);
  response->status = 0;
  response->headers.clear();
  response->body.clear();
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    headers = curl_slist_append(headers, fmt::format("{}: {}", k, v).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  Upload upload{request.body, 0};
  Download download{&response->body, request.max_response_body};
  HeaderSink header_sink{handle, &response->headers};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.stall_bytes_per_second);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.stall_seconds);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &download);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &header_sink);
  curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, OnSocketOpen);
  curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, handle);
  curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, OnSocketClose);
  curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, handle);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    Discard(handle);  // the connection may be broken: do not reuse it
    const std::string what = fmt::format("{} {}", request.method, request.url);
    if (download.overflow) {
      return Status::IOError(
          fmt::format("{}: the server's answer is larger than the {} bytes expected; refused", what,
                      request.max_response_body));
    }
    if (IsTlsTrustFailure(rc)) {
      return Status::PermissionDenied(fmt::format(
          "{}: the server's TLS certificate was refused ({}): give the CA that signed it with "
          "ca_file= in the URL or AWS_CA_BUNDLE, and check that the endpoint's host name is the "
          "one in the certificate",
          what, curl_easy_strerror(rc)));
    }
    return Status::Transient(fmt::format("{}: {}", what, curl_easy_strerror(rc)));
  }
  Release(handle);
  return Status::OK();
}

bool ParseContentRange(std::string_view header, uint64_t* first, uint64_t* last, uint64_t* total) {
  std::string_view cr = header;
  if (!cr.starts_with("bytes ")) return false;
  cr.remove_prefix(6);
  auto number = [&cr](uint64_t* v, char stop) {
    const auto [p, ec] = std::from_chars(cr.data(), cr.data() + cr.size(), *v);
    if (ec != std::errc() || p == cr.data()) return false;
    cr.remove_prefix(static_cast<size_t>(p - cr.data()));
    if (stop == 0) return cr.empty();
    if (cr.empty() || cr.front() != stop) return false;
    cr.remove_prefix(1);
    return true;
  };
  return number(first, '-') && number(last, '/') && number(total, 0) && *first <= *last &&
         *last < *total;
}

bool ParseDecimal(std::string_view text, uint64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && p == text.data() + text.size();
}

bool ParseHttpDate(std::string_view text, std::chrono::system_clock::time_point* time) {
  if (text.empty() || text.size() > 64) return false;
  const std::string nul_terminated(text);
  const time_t t = curl_getdate(nul_terminated.c_str(), nullptr);
  // A date a server could mean: 1970 to 2200 (system_clock counts nanoseconds in 64 bits,
  // which end in 2262; curl takes "66630630" for a year 6663 date).
  constexpr time_t kYear2200 = 7'258'118'400;
  if (t < 0 || t > kYear2200) return false;
  *time = std::chrono::system_clock::from_time_t(t);
  return true;
}

bool ParseIsoTime(std::string_view text, std::chrono::system_clock::time_point* time) {
  if (text.empty() || text.size() > 64) return false;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) return false;
  *time = absl::ToChronoTime(t);
  return true;
}

}  // namespace basin::s3
