// A store on S3 and S3-compatible object storage (MinIO, Ceph RGW), named by
// s3://BUCKET/PREFIX?endpoint=URL&region=R&style=path|virtual&part_mib=N&parts_in_flight=N
// &ca_file=PATH. Library basin::s3 (links libcurl, OpenSSL and pugixml); store_url.h opens
// it by URL.
//
// Credentials come from the usual places, in order: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; then the profile AWS_PROFILE (or "default")
// in ~/.aws/credentials. The region from the URL, AWS_REGION, AWS_DEFAULT_REGION, the
// profile in ~/.aws/config, or us-east-1; the endpoint from the URL or AWS_ENDPOINT_URL,
// else AWS's regional endpoint; the CA bundle from the URL or AWS_CA_BUNDLE, else the
// system's. Secrets never appear in messages.
//
// Errors, besides the ObjectStore contract's: a bucket that does not exist is an IOError
// naming it (never taken for a missing key); a refused signature is PermissionDenied, and
// says so when this machine's clock is 15 minutes or more off the server's (S3 then
// refuses every request); a server certificate that does not verify is PermissionDenied,
// never retried; a malformed answer is an IOError quoting it.
//
// Streamed objects (NewWriter): small ones go up with one PUT at Close, larger ones as a
// multipart upload, parallel_parts parts in flight on the process's executor (executor.h);
// a writer holds at most parallel_parts + 1 buffers of part_size bytes (40 MiB by default).
// Every request of a writer, each part included, is retried under `retry`: the
// RetryingStore wrapper cannot resend bytes already appended. Create-only streamed objects
// go up as one conditional PUT, since servers differ on If-None-Match at the completion of
// a multipart upload (radosgw 16 ignores it): they are held in memory until Close and may
// hold at most CreateOnlyStreamLimit bytes; beyond, Append fails with NotSupported.
#ifndef BASIN_S3_STORE_H_
#define BASIN_S3_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "basin/object_store.h"
#include "basin/retrying_store.h"
#include "basin/store_url.h"

namespace basin {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:7480"; empty: https://s3.REGION.amazonaws.com
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;      // keys are PREFIX/KEY in the bucket
  bool path_style = true;  // false: virtual-hosted (BUCKET.host)
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  uint64_t part_size = uint64_t{8} << 20;  // multipart part size, 5 MiB to 5 GiB
  int parallel_parts = 4;                  // parts in flight per streamed object, 1 to 64
  // How a streamed writer retries each of its requests (start, parts, completion, the one
  // PUT of a small object). The store's other calls are retried by a RetryingStore around
  // it (OpenStore adds one).
  RetryPolicy retry;
  bool verify_tls = true;
  // A PEM file of the certificate authorities to trust over HTTPS, instead of the
  // system's (a private CA). Empty: the system's.
  std::string ca_file;
  // Whether request bodies are hashed into the signature (x-amz-content-sha256), so that
  // the server refuses a body changed on the way. Over plain HTTP that is the only such
  // check and always done. Over HTTPS, TLS already guards the body, and the hash costs
  // about 0.6 CPU seconds per GB sent: bodies go as UNSIGNED-PAYLOAD unless this is set.
  bool sign_payload_over_https = false;
  long connect_timeout_ms = 10'000;
  // A request that moves less than 1 KiB/s for this long is cut off (and retried).
  long stall_seconds = 30;
  // The time requests are signed with; empty: the system clock. For tests (a skewed clock).
  std::function<std::chrono::system_clock::time_point()> clock;
};

// The largest create-only object a writer streams: (parallel_parts + 1) * part_size bytes,
// the memory a multipart writer holds at most (40 MiB by default).
uint64_t CreateOnlyStreamLimit(const S3Options& options);

// Fills S3Options from an s3:// URL, the environment and the AWS files (see above).
// InvalidArgument for a malformed parameter; PermissionDenied without credentials.
Result<S3Options> S3OptionsFromUrl(const StoreUrl& url);

// The store itself. Its writers retry their own requests (S3Options::retry); its other
// calls are not retried: wrap it in a RetryingStore (OpenStore does). InvalidArgument for
// options out of range or a ca_file that cannot be read. Thread-safe, like every
// ObjectStore.
Result<std::shared_ptr<ObjectStore>> OpenS3Store(const S3Options& options);

// Creates the bucket when it does not exist (for tests and first use).
Status CreateS3Bucket(const S3Options& options);

}  // namespace basin

#endif  // BASIN_S3_STORE_H_
