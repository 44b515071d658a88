// The S3 store against a real S3 server: Ceph's radosgw on 127.0.0.1, started by
// scripts/test.sh (scripts/s3-server-start.sh), which exports S3_ENDPOINT, S3_ACCESS_KEY
// and S3_SECRET_KEY. Without them these tests are skipped, and say so.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>

#include "basin/counting_store.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/retrying_store.h"
#include "basin/s3_store.h"
#include "basin/store_url.h"
#include "basin/table.h"
#include "fault_proxy.h"
#include "store/store_conformance.h"
#include "test_util.h"

namespace basin {
namespace {

std::string Fresh(const char* what) {
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard lock(mu);
  return what + std::to_string(rng() % 1000000000000ull);
}

// Options for a new, empty bucket on the test server, or nothing without a server.
std::optional<S3Options> ServerOptions() {
  const char* endpoint = std::getenv("S3_ENDPOINT");
  const char* key = std::getenv("S3_ACCESS_KEY");
  const char* secret = std::getenv("S3_SECRET_KEY");
  if (endpoint == nullptr || key == nullptr || secret == nullptr) return std::nullopt;
  S3Options o;
  o.endpoint = endpoint;
  o.access_key = key;
  o.secret_key = secret;
  o.bucket = Fresh("basin-test-");
  o.part_size = 5 << 20;
  const Status bucket = CreateS3Bucket(o);
  EXPECT_TRUE(bucket.ok()) << bucket.ToString();
  return o;
}

std::shared_ptr<ObjectStore> NewS3Store() {
  auto o = ServerOptions();
  if (!o) return nullptr;
  return *OpenS3Store(*o);
}

#define REQUIRE_SERVER()                                                        \
  auto options_or = ServerOptions();                                            \
  if (!options_or) GTEST_SKIP() << "no S3 server: run through scripts/test.sh"; \
  S3Options options = *options_or

INSTANTIATE_TEST_SUITE_P(S3, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"S3Store", NewS3Store,
                                                        /*appendable=*/false}),
                         StoreFactoryName);

TEST(S3StoreTest, KeysTooLongWithThePrefixAreRefused) {
  REQUIRE_SERVER();
  options.prefix = std::string(100, 'p');
  auto store = *OpenS3Store(options);
  const std::string seg(240, 'k');
  Status s = store->Put(seg + "/" + seg + "/" + seg + "/" + seg, "v");  // 963 bytes
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("prefix"), std::string::npos) << s.message();
}

TEST(S3StoreTest, AWrongSecretIsAPermissionError) {
  REQUIRE_SERVER();
  options.secret_key = "not-the-secret";
  auto store = *OpenS3Store(options);
  Status s = store->Put("k", "v");
  EXPECT_TRUE(s.IsPermissionDenied()) << s.ToString();
  EXPECT_EQ(ExitCodeFor(s), 3);
  EXPECT_EQ(s.message().find("not-the-secret"), std::string::npos);  // never in a message
}

TEST(S3StoreTest, MultipartObjectsRoundTrip) {
  REQUIRE_SERVER();
  auto store = *OpenS3Store(options);
  const std::string data = basin::testing::RandomBytes(17 << 20, 3);  // 4 parts of 5 MiB
  auto w = *store->NewWriter("big", PutMode::kOverwrite);
  for (size_t off = 0; off < data.size(); off += 1 << 20) {
    ASSERT_TRUE(w->Append(std::string_view(data).substr(off, 1 << 20)).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(*store->Get("big"), data);
  EXPECT_EQ(*store->Get("big", ByteRange::Span(5 << 20, 10)), data.substr(5 << 20, 10));
}

TEST(S3StoreTest, UrlsOpenS3Stores) {
  REQUIRE_SERVER();
  ::setenv("AWS_ACCESS_KEY_ID", options.access_key.c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", options.secret_key.c_str(), 1);
  const std::string url = "s3://" + options.bucket + "/p?endpoint=" + options.endpoint;
  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("via-url", "x").ok());
  auto sk = OpenStoreAndKey("s3://" + options.bucket + "/p/via-url?endpoint=" + options.endpoint);
  ASSERT_TRUE(sk.ok());
  EXPECT_EQ(*sk->store->Get(sk->key), "x");
  EXPECT_EQ((*store)->url().find(options.secret_key), std::string::npos);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST(S3StoreTest, LogOnS3RecoversFromTailsOnly) {
  REQUIRE_SERVER();
  auto base = *OpenS3Store(options);
  LogOptions lo;
  lo.block_size = 4096;
  lo.layout = LogLayout::kObjectPerBlock;
  std::vector<std::string> records;
  for (int i = 0; i < 200; ++i) records.push_back(basin::testing::RandomBytes(100 + i, i));
  {
    auto w = *LogWriter::Open(base, "log", lo);
    for (const auto& r : records) ASSERT_TRUE(w->Append(r).ok());
    ASSERT_TRUE(w->Flush().ok());
  }  // the writer "dies": blocks are there, the footer is not
  const size_t blocks = base->ListAll("log/")->size();
  auto counting = std::make_shared<CountingStore>(base);
  auto report = RecoverLog(counting, "log", RecoveryMode::kPointInTime);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(counting->counts()[StoreOp::kGet].requests, blocks + 1);  // header + one tail each
  EXPECT_EQ(counting->counts()[StoreOp::kGet].bytes_received, 53 + 42 * blocks);
  auto reader = *LogReader::Open(base, "log");
  auto it = reader->NewIterator();
  size_t n = 0;
  while (it->Next()) EXPECT_EQ(it->value(), records[n++]);
  EXPECT_EQ(n, records.size());
}

// `basin log append` writing to S3 (one object per block) is killed with SIGKILL while
// records still stream in. Recovery reads the header and each block object's trailer,
// never a block's body, and the log then holds a prefix of what was sent, whole records
// only.
TEST(S3StoreTest, LogOfAKilledWriterProcessRecoversFromTailsOnly) {
  REQUIRE_SERVER();
  auto base = *OpenS3Store(options);
  const std::string url = "s3://" + options.bucket + "/log?endpoint=" + options.endpoint;
  const std::string access = "AWS_ACCESS_KEY_ID=" + options.access_key;
  const std::string secret = "AWS_SECRET_ACCESS_KEY=" + options.secret_key;
  std::vector<char*> argv = {const_cast<char*>(BASIN_BINARY),
                             const_cast<char*>("log"),
                             const_cast<char*>("append"),
                             const_cast<char*>(url.c_str()),
                             const_cast<char*>("--block-size"),
                             const_cast<char*>("4096"),
                             nullptr};
  std::vector<char*> envp = {const_cast<char*>(access.c_str()), const_cast<char*>(secret.c_str()),
                             nullptr};
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, BASIN_BINARY, &actions, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  ::signal(SIGPIPE, SIG_IGN);

  // Stream lines until the writer has stored a dozen blocks, then kill it mid-stream.
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t stored = 0;
  while (stored < 12 && std::chrono::steady_clock::now() < deadline) {
    std::string chunk;
    for (int i = 0; i < 20; ++i) {
      lines.push_back(fmt::format("{:07d}:{}", lines.size(),
                                  std::string(40 + lines.size() % 300, 'a' + lines.size() % 26)));
      chunk += lines.back() + "\n";
    }
    ASSERT_EQ(::write(fds[1], chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    stored = base->ListAll("log/")->size();
  }
  ASSERT_GE(stored, 12u) << "the writer stored too few blocks in time";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ::close(fds[1]);

  auto objects = *base->ListAll("log/");
  uint64_t block_bytes = 0;
  for (const auto& o : objects) {
    ASSERT_NE(o.key, "log/footer") << "the writer was killed before it could seal the log";
    block_bytes += o.size;
  }
  auto counting = std::make_shared<CountingStore>(base);
  auto report = RecoverLog(counting, "log", RecoveryMode::kPointInTime);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const StoreCounts c = counting->counts();
  EXPECT_EQ(c[StoreOp::kGet].requests, objects.size() + 1);  // header + one tail each
  EXPECT_EQ(c[StoreOp::kGet].bytes_received, 53 + 42 * objects.size());
  EXPECT_LT(c[StoreOp::kGet].bytes_received * 50, block_bytes);
  EXPECT_LE(c[StoreOp::kHead].requests, 1u);  // layout detection: is there a single object?

  auto reader = *LogReader::Open(base, "log");
  auto it = reader->NewIterator();
  size_t n = 0;
  while (it->Next()) {
    ASSERT_LT(n, lines.size());
    ASSERT_EQ(it->value(), lines[n]) << "record " << n;
    ++n;
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_GT(n, 0u);
  EXPECT_EQ(n, report->records_kept);
}

// A table on S3: opening it costs one suffix read (footer, meta and filter), no HEAD; a
// lookup then costs one ranged read of its block.
TEST(S3StoreTest, TableMetadataComesFromOneSuffixRead) {
  REQUIRE_SERVER();
  auto base = *OpenS3Store(options);
  {
    auto b = *TableBuilder::Open(base, "t/000001");
    for (int i = 0; i < 20000; ++i) {
      ASSERT_TRUE(b->Add(fmt::format("key{:08d}", i), fmt::format("value{}", i)).ok());
    }
    ASSERT_TRUE(b->Finish().ok());
  }
  auto counting = std::make_shared<CountingStore>(base);
  auto reader = *TableReader::Open(counting, "t/000001");
  auto meta = reader->FetchAndLoadMetadata();
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  StoreCounts c = counting->counts();
  EXPECT_EQ(c[StoreOp::kHead].requests, 0u);
  EXPECT_EQ(c[StoreOp::kGet].requests, 1u);
  EXPECT_EQ(c.total_requests(), 1u);
  const uint64_t size = *base->Head("t/000001");
  EXPECT_EQ(c[StoreOp::kGet].bytes_received, std::min<uint64_t>(size, 64 << 10));
  std::string value;
  ASSERT_TRUE(reader->GetRow("key00012345", &value).ok());
  EXPECT_EQ(value, "value12345");
  EXPECT_EQ(counting->counts()[StoreOp::kGet].requests, 2u);
  EXPECT_TRUE(reader->GetRow("key00012345x", &value).IsNotFound());
  EXPECT_LE(counting->counts()[StoreOp::kGet].requests, 3u);  // the filter answers most
}

// A store that reaches the server through a fault proxy, retrying with short backoffs.
std::shared_ptr<RetryingStore> ThroughProxy(S3Options options, basin::testing::FaultProxy& proxy,
                                            int attempts) {
  options.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
  options.stall_seconds = 1;
  RetryPolicy policy;
  policy.max_attempts = attempts;
  policy.initial_backoff = std::chrono::milliseconds(5);
  policy.max_backoff = std::chrono::milliseconds(200);
  return std::make_shared<RetryingStore>(*OpenS3Store(options), policy);
}

int ServerPort(const S3Options& o) {
  return std::stoi(o.endpoint.substr(o.endpoint.rfind(':') + 1));
}

// Puts and gets through a proxy that breaks 5% of exchanges in every way it knows, with
// retries: every object must come back byte-identical, and every create-only put must
// have exactly one winner, with no false conflict from a lost response. The number of
// operations is BASIN_FAULT_OPS (default 200; the full run is 1000).
TEST(S3FaultTest, FivePercentFaultsOfEveryKindLoseNothing) {
  REQUIRE_SERVER();
  basin::testing::FaultProxy proxy(ServerPort(options), 0.05, 42, /*stall_ms=*/2500);
  auto store = ThroughProxy(options, proxy, 12);
  const char* env = std::getenv("BASIN_FAULT_OPS");
  const int ops = env ? std::atoi(env) : 200;
  std::mt19937_64 rng(7);
  for (int i = 0; i < ops; ++i) {
    // Mostly small objects, some large: 0 B to 40 MiB.
    const uint64_t size = i == 0            ? 40 << 20
                          : rng() % 10 == 0 ? rng() % (8 << 20)
                                            : rng() % (64 << 10);
    const std::string data = basin::testing::RandomBytes(size, i);
    const std::string key = "o/" + std::to_string(i);
    const PutMode mode = i % 2 ? PutMode::kCreateOnly : PutMode::kOverwrite;
    Status put = store->Put(key, data, mode);
    ASSERT_TRUE(put.ok()) << "put " << i << " (" << size << " bytes): " << put.ToString();
    if (mode == PutMode::kCreateOnly) {
      EXPECT_TRUE(store->Put(key, "other", PutMode::kCreateOnly).IsAlreadyExists()) << i;
    }
    auto got = store->Get(key);
    ASSERT_TRUE(got.ok()) << "get " << i << ": " << got.status().ToString();
    ASSERT_TRUE(*got == data) << "object " << i << " came back different";
  }
  uint64_t faults = 0;
  for (int f = 1; f < basin::testing::FaultProxy::kFaultCount; ++f) {
    faults += proxy.faults(static_cast<basin::testing::FaultProxy::Fault>(f));
  }
  EXPECT_GT(faults, 0u);
  EXPECT_GT(store->retries(), 0u);
  std::printf("%llu requests, %llu faults injected, %llu retries\n",
              static_cast<unsigned long long>(proxy.requests()),
              static_cast<unsigned long long>(faults),
              static_cast<unsigned long long>(store->retries()));
}

TEST(S3FaultTest, AllRequestsFailingGivesAClearErrorInTime) {
  REQUIRE_SERVER();
  basin::testing::FaultProxy proxy(ServerPort(options), 1.0, 9, /*stall_ms=*/2500);
  auto store = ThroughProxy(options, proxy, 4);
  const auto start = std::chrono::steady_clock::now();
  Status s = store->Put("k", "v");
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_LT(secs, 30.0) << "took " << secs << " s";
}

}  // namespace
}  // namespace basin
