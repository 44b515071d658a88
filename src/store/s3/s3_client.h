// S3Client: one bucket on one S3 endpoint, as the store and its writers talk to it: signs
// and sends a request (sigv4.h over http.h), and turns an answer that is not the expected
// one into a Status that says what happened and what to do. Two answers need more than
// the answer itself, because HEAD answers carry no body:
//   - a 404 without an S3 error code is settled with a HEAD of the bucket, so that a
//     missing bucket is never taken for a missing key (it is an IOError naming the bucket);
//   - a 403 is compared with the server's Date header, so that a clock more than 15
//     minutes off (S3 then refuses every signature) is told apart from a wrong secret.
// Holds the store's Retrier (S3Options::retry) for the requests the store retries itself.
// Thread-safe.
#ifndef BASIN_STORE_S3_S3_CLIENT_H_
#define BASIN_STORE_S3_S3_CLIENT_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "basin/s3_store.h"
#include "store/retrier.h"
#include "store/s3/http.h"

namespace basin::s3 {

using Params = std::vector<std::pair<std::string, std::string>>;

class S3Client {
 public:
  explicit S3Client(const S3Options& options);

  const S3Options& options() const { return o_; }
  Retrier& retrier() { return retrier_; }
  // "s3://BUCKET/PREFIX?endpoint=SCHEME://HOST" (never a secret).
  std::string url() const;
  // The object's key in the bucket: PREFIX/key.
  std::string FullKey(std::string_view key) const;

  // One signed request. `path_key` is the object's full key in the bucket ("" for the
  // bucket itself). The answer body may hold at most max_response_body bytes.
  Status Call(const std::string& method, const std::string& path_key, Params query, Params headers,
              std::string_view body, HttpResponse* response,
              size_t max_response_body = size_t{16} << 20);

  // The Status for an answer that is not the one expected; `what` says which call on what
  // ("get 'p/k'"). Retryable for throttling and server errors (429, 5xx, SlowDown,
  // RequestTimeout, InternalError). A 404: NotFound for a missing key or upload, an
  // IOError naming the bucket when the bucket is missing (asked with a HEAD of the bucket
  // when the answer does not say). A 403: PermissionDenied, saying when the clocks differ.
  Status Failure(const std::string& what, const HttpResponse& response);

  // OK when the bucket exists; the IOError naming it when it does not.
  Status CheckBucket();

  // HEAD of an object by its full key: size, entity tag, last-modified (key left empty).
  // A malformed Content-Length, a missing or malformed ETag, a malformed Last-Modified are
  // IOErrors.
  Result<ObjectInfo> Head(const std::string& full_key);

  std::chrono::system_clock::time_point Now() const {
    return o_.clock ? o_.clock() : std::chrono::system_clock::now();
  }

 private:
  Status MissingBucket(const std::string& what) const;
  // What to add to a 403's message when the server's clock and ours differ by 15 minutes
  // or more (or the server said RequestTimeTooSkewed); empty otherwise.
  std::string SkewAdvice(const HttpResponse& response, std::string_view code) const;

  S3Options o_;
  HttpClient http_;
  Retrier retrier_;
  std::string scheme_, host_;
};

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_S3_CLIENT_H_
