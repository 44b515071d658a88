// A store on S3 and S3-compatible object storage (MinIO, Ceph RGW), named by
// s3://BUCKET/PREFIX?endpoint=URL&region=R&style=path|virtual&part_mib=N&parts_in_flight=N.
//
// Credentials come from the usual places, in order: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; then the profile AWS_PROFILE (or "default")
// in ~/.aws/credentials. The region from the URL, AWS_REGION, AWS_DEFAULT_REGION, the
// profile in ~/.aws/config, or us-east-1; the endpoint from the URL or AWS_ENDPOINT_URL,
// else AWS's regional endpoint. Secrets never appear in messages.
#ifndef BASIN_S3_STORE_H_
#define BASIN_S3_STORE_H_

#include <memory>
#include <string>

#include "basin/object_store.h"
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
  uint64_t part_size = uint64_t{8} << 20;  // multipart part size, at least 5 MiB
  int parallel_parts = 4;                  // parts in flight per streamed object
  bool verify_tls = true;
  // Whether request bodies are hashed into the signature (x-amz-content-sha256), so that
  // the server refuses a body changed on the way. Over plain HTTP that is the only such
  // check and always done. Over HTTPS, TLS already guards the body, and the hash costs
  // about 0.6 CPU seconds per GB sent: bodies go as UNSIGNED-PAYLOAD unless this is set.
  bool sign_payload_over_https = false;
  long connect_timeout_ms = 10'000;
  // A request that moves less than 1 KiB/s for this long is cut off (and retried).
  long stall_seconds = 30;
};

// Fills S3Options from an s3:// URL, the environment and the AWS files (see above).
Result<S3Options> S3OptionsFromUrl(const StoreUrl& url);

// The store itself, without retries (OpenStore wraps it in a RetryingStore).
Result<std::shared_ptr<ObjectStore>> OpenS3Store(const S3Options& options);

// Creates the bucket when it does not exist (for tests and first use).
Status CreateS3Bucket(const S3Options& options);

}  // namespace basin

#endif  // BASIN_S3_STORE_H_
