// The test S3 server: Ceph's radosgw on 127.0.0.1, started by scripts/test.sh and bb
// (scripts/s3-server-start.sh), which export S3_ENDPOINT, S3_HTTPS_ENDPOINT, S3_CA_FILE,
// S3_ACCESS_KEY and S3_SECRET_KEY: options for fresh buckets on it, and stores over them.
#ifndef BASIN_TESTS_S3_TEST_STORE_H_
#define BASIN_TESTS_S3_TEST_STORE_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "basin/retrying_store.h"
#include "basin/s3_store.h"

namespace basin::testing {

inline std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// `what` and a random number: a fresh bucket or key name.
inline std::string Fresh(const char* what) {
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard lock(mu);
  return what + std::to_string(rng() % 1000000000000ull);
}

// Options for the test server (over HTTPS with its CA when asked), for a bucket not yet
// created; nothing without a server.
inline std::optional<S3Options> ServerOptionsNoBucket(bool https = false) {
  S3Options o;
  o.endpoint = Env(https ? "S3_HTTPS_ENDPOINT" : "S3_ENDPOINT");
  o.access_key = Env("S3_ACCESS_KEY");
  o.secret_key = Env("S3_SECRET_KEY");
  if (o.endpoint.empty() || o.access_key.empty() || o.secret_key.empty()) return std::nullopt;
  if (https) o.ca_file = Env("S3_CA_FILE");
  o.bucket = Fresh("basin-test-");
  o.part_size = 5 << 20;
  return o;
}

// The same, for a new, empty bucket.
inline std::optional<S3Options> ServerOptions(bool https = false) {
  auto o = ServerOptionsNoBucket(https);
  if (!o) return o;
  const Status bucket = CreateS3Bucket(*o);
  EXPECT_TRUE(bucket.ok()) << bucket.ToString();
  return o;
}

// A new, empty S3 store (retrying, as OpenStore makes it), or null without a server.
inline std::shared_ptr<ObjectStore> NewS3TestStore() {
  auto o = ServerOptions();
  if (!o) return nullptr;
  auto store = OpenS3Store(*o);
  if (!store.ok()) return nullptr;
  return std::make_shared<RetryingStore>(*store);
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_S3_TEST_STORE_H_
