// Stores on the test S3 server: Ceph's radosgw on 127.0.0.1, started by scripts/test.sh,
// which exports S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY.
#ifndef BASIN_TESTS_S3_TEST_STORE_H_
#define BASIN_TESTS_S3_TEST_STORE_H_

#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "basin/retrying_store.h"
#include "basin/s3_store.h"

namespace basin::testing {

// Options for a new, empty bucket on the test server; nothing without a server.
inline std::optional<S3Options> TestS3Options() {
  const char* endpoint = std::getenv("S3_ENDPOINT");
  const char* key = std::getenv("S3_ACCESS_KEY");
  const char* secret = std::getenv("S3_SECRET_KEY");
  if (endpoint == nullptr || key == nullptr || secret == nullptr) return std::nullopt;
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  S3Options o;
  o.endpoint = endpoint;
  o.access_key = key;
  o.secret_key = secret;
  {
    std::lock_guard lock(mu);
    o.bucket = "basin-test-" + std::to_string(rng() % 1000000000000ull);
  }
  o.part_size = 5 << 20;
  if (!CreateS3Bucket(o).ok()) return std::nullopt;
  return o;
}

// A new, empty S3 store (retrying, as OpenStore makes it), or null without a server.
inline std::shared_ptr<ObjectStore> NewS3TestStore() {
  auto o = TestS3Options();
  if (!o) return nullptr;
  auto store = OpenS3Store(*o);
  if (!store.ok()) return nullptr;
  return std::make_shared<RetryingStore>(*store);
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_S3_TEST_STORE_H_
