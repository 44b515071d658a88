// The S3 store against a real S3 server: Ceph's radosgw on 127.0.0.1, started by
// scripts/test.sh and bb (scripts/s3-server-start.sh); see tests/s3_test_util.h. The
// writer's own tests are in s3_writer_test.cc, the fault-proxy runs in s3_fault_test.cc.
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
#include "s3_test_util.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_uploads.h"
#include "store/store_conformance.h"
#include "test_util.h"
#include "util/exit_code.h"

namespace basin {
namespace {

using basin::testing::Fresh;
using basin::testing::ServerOptions;

std::shared_ptr<ObjectStore> NewS3Store(bool https) {
  auto o = ServerOptions(https);
  if (!o) return nullptr;
  return *OpenS3Store(*o);
}

// The whole suite over plain HTTP (payloads signed) and over HTTPS, trusting the test
// server's CA through ca_file (payloads UNSIGNED-PAYLOAD, the default over TLS). The listing
// pages through 2,000 keys (three pages of 777) rather than 10,000: the paging is the same
// code for any count, and the test server takes about 2.5 ms for each of the empty PUTs
// that make the keys (its OSD's commit, not the transport: docs/BENCHMARKS.md), 25 s for
// 10,000.
INSTANTIATE_TEST_SUITE_P(
    S3, StoreConformanceTest,
    ::testing::Values(StoreFactory{"S3Store", [] { return NewS3Store(false); }, false, 2000},
                      StoreFactory{"S3StoreHttps", [] { return NewS3Store(true); }, false, 2000}),
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
  int input = -1;
  const pid_t pid = basin::testing::SpawnBasinWithInput(
      {"log", "append", url, "--block-size", "4096"}, options, &input);
  ASSERT_GT(pid, 0);

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
    ASSERT_EQ(::write(input, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    stored = base->ListAll("log/")->size();
  }
  ASSERT_GE(stored, 12u) << "the writer stored too few blocks in time";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ::close(input);

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

// Waits until a multipart upload is listed under `full_prefix` (up to a minute).
std::vector<s3::Upload> AwaitUploads(s3::S3Client& client, const std::string& full_prefix) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto uploads = s3::ListUploads(client, full_prefix);
    EXPECT_OK(uploads);
    if (!uploads.ok()) return {};
    if (!uploads->empty()) return *uploads;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

// `basin store put` streaming a large object to S3 is killed with SIGKILL after its first
// part went up: the multipart upload stays behind, invisible. A sweep whose cutoff keeps it
// leaves it; a dry run only counts it; `basin store sweep` with a cutoff past it aborts it,
// and then no upload is listed.
TEST(S3SweepTest, AKilledWritersMultipartUploadIsAbortedOnlyPastTheCutoff) {
  REQUIRE_SERVER();
  options.prefix = "sweep";
  auto store = *OpenS3Store(options);
  s3::S3Client client(options);
  const std::string base =
      fmt::format("s3://{}/sweep?endpoint={}&part_mib=5", options.bucket, options.endpoint);
  int input = -1;
  const pid_t pid = basin::testing::SpawnBasinWithInput(
      {"store", "put",
       fmt::format("s3://{}/sweep/big?endpoint={}&part_mib=5", options.bucket, options.endpoint),
       "-"},
      options, &input);
  ASSERT_GT(pid, 0);
  // The command reads 4 MiB at a time: two reads fill a 5 MiB part and go past it.
  const std::string nine_mib = basin::testing::RandomBytes(9 << 20, 4);
  ASSERT_EQ(::write(input, nine_mib.data(), nine_mib.size()),
            static_cast<ssize_t>(nine_mib.size()));
  const std::vector<s3::Upload> started = AwaitUploads(client, "sweep/");
  ASSERT_EQ(started.size(), 1u) << "the writer started no multipart upload";
  EXPECT_EQ(started[0].key, "sweep/big");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ::close(input);

  SweepOptions keep;
  keep.min_age = std::chrono::hours(1);
  auto kept = store->Sweep(keep);
  ASSERT_OK(kept);
  EXPECT_EQ(kept->removed, 0u);
  EXPECT_EQ(kept->skipped_young, 1u);
  EXPECT_EQ(s3::ListUploads(client, "sweep/")->size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // S3 times are seconds
  SweepOptions dry;
  dry.min_age = std::chrono::seconds(0);
  dry.dry_run = true;
  auto counted = store->Sweep(dry);
  ASSERT_OK(counted);
  EXPECT_EQ(counted->removed, 1u);
  EXPECT_EQ(s3::ListUploads(client, "sweep/")->size(), 1u);

  auto r = basin::testing::RunBasin("store sweep '" + base + "' --min-age 0", options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto left = s3::ListUploads(client, "");
  ASSERT_OK(left);
  EXPECT_TRUE(left->empty()) << left->size() << " uploads left";
  EXPECT_TRUE(store->Stat("big").status().IsNotFound());
  EXPECT_TRUE(store->ListAll("")->empty());  // nor the clock probe
}

// Listings are followed page by page, stay under the store's prefix, and a sweep aborts
// only the uploads under it.
TEST(S3SweepTest, UploadListingsArePagedAndSweepsStayUnderThePrefix) {
  REQUIRE_SERVER();
  s3::S3Client client(options);
  auto start = [&](const std::string& key) {
    s3::HttpResponse r;
    ASSERT_OK(client.Call("POST", key, {{"uploads", ""}}, {}, {}, &r));
    ASSERT_EQ(r.status, 200) << r.body;
  };
  for (const char* key : {"a/3", "a/1", "a/2", "a/2", "a/x/0"}) start(key);
  start("ab/outside");
  auto listed = s3::ListUploads(client, "a/", /*page_size=*/2);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 5u);
  const char* order[] = {"a/1", "a/2", "a/2", "a/3", "a/x/0"};
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*listed)[i].key, order[i]) << i;
  EXPECT_NE((*listed)[1].upload_id, (*listed)[2].upload_id);

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  options.prefix = "a";
  auto store = *OpenS3Store(options);
  SweepOptions o;
  o.min_age = std::chrono::seconds(0);
  auto swept = store->Sweep(o);
  ASSERT_OK(swept);
  EXPECT_EQ(swept->removed, 5u);
  EXPECT_TRUE(s3::ListUploads(client, "a/")->empty());
  auto outside = s3::ListUploads(client, "");
  ASSERT_OK(outside);
  ASSERT_EQ(outside->size(), 1u);
  EXPECT_EQ((*outside)[0].key, "ab/outside");
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

// Every operation on a bucket that does not exist fails and names the bucket; none takes
// the server's NoSuchBucket for a missing key (HEAD answers have no body: the store asks
// about the bucket).
TEST(S3StoreTest, OperationsOnAMissingBucketFailNamingIt) {
  auto options_or = basin::testing::ServerOptionsNoBucket();
  ASSERT_TRUE(options_or.has_value()) << "no S3 server: run through scripts/test.sh or bb test";
  S3Options options = *options_or;  // its bucket was never created
  auto store = *OpenS3Store(options);
  auto names_bucket = [&](const Status& s, const char* what) {
    EXPECT_FALSE(s.ok()) << what;
    EXPECT_FALSE(s.IsNotFound()) << what << ": " << s.ToString();
    EXPECT_NE(s.message().find("bucket '" + options.bucket + "' does not exist"), std::string::npos)
        << what << ": " << s.ToString();
  };
  names_bucket(store->Delete("k"), "delete");
  names_bucket(store->DeleteMany({"a", "b"}), "delete many");
  names_bucket(store->Stat("k").status(), "stat");
  names_bucket(store->Get("k").status(), "get");
  names_bucket(store->Get("k", ByteRange::Span(0, 10)).status(), "get span");
  names_bucket(store->List({}).status(), "list");
  names_bucket(store->Put("k", "v"), "put");
  names_bucket(store->Put("k", "v", PutMode::kCreateOnly), "create-only put");
  names_bucket(basin::testing::StreamObject(*store, "k", "small"), "streamed put");
  names_bucket(basin::testing::StreamObject(*store, "k", std::string(6 << 20, 'x')),
               "multipart put");
}

// `basin store rm` of a key in a bucket that does not exist exits 1 naming the bucket,
// where it used to report success.
TEST(S3StoreTest, BasinStoreRmInAMissingBucketFails) {
  auto options_or = basin::testing::ServerOptionsNoBucket();
  ASSERT_TRUE(options_or.has_value()) << "no S3 server: run through scripts/test.sh or bb test";
  const S3Options& o = *options_or;
  auto r = basin::testing::RunBasin(
      fmt::format("store rm 's3://{}/key?endpoint={}'", o.bucket, o.endpoint), o);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(o.bucket), std::string::npos) << r.err;
  // An absent key in a bucket that exists is still not an error.
  ASSERT_OK(CreateS3Bucket(o));
  r = basin::testing::RunBasin(
      fmt::format("store rm 's3://{}/key?endpoint={}'", o.bucket, o.endpoint), o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// With this machine's clock two hours ahead, every call fails saying so, HEADs included
// (their answers have no body to say RequestTimeTooSkewed: the server's Date tells), and a
// wrong secret is never taken for a skewed clock.
TEST(S3StoreTest, ASkewedClockIsToldApartFromAWrongSecret) {
  REQUIRE_SERVER();
  auto good = *OpenS3Store(options);
  ASSERT_OK(good->Put("k", "v"));
  S3Options skewed = options;
  skewed.clock = [] { return std::chrono::system_clock::now() + std::chrono::hours(2); };
  auto store = *OpenS3Store(skewed);
  auto says_clock = [](const Status& s, const char* what) {
    EXPECT_TRUE(s.IsPermissionDenied()) << what << ": " << s.ToString();
    EXPECT_NE(s.message().find("clock is 2 h 0 min ahead of the server's"), std::string::npos)
        << what << ": " << s.ToString();
  };
  says_clock(store->Stat("k").status(), "stat");
  says_clock(store->Get("k").status(), "get");
  says_clock(store->Put("k", "w"), "put");
  says_clock(store->List({}).status(), "list");
  says_clock(basin::testing::StreamObject(*store, "s", "small"), "streamed put");

  S3Options wrong = options;
  wrong.secret_key = "not-the-secret";
  auto bad = *OpenS3Store(wrong);
  for (const Status& s : {bad->Stat("k").status(), bad->Get("k").status()}) {
    EXPECT_TRUE(s.IsPermissionDenied()) << s.ToString();
    EXPECT_EQ(s.message().find("clock"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("secret"), std::string::npos) << s.ToString();
  }
}

// Over HTTPS with the test server's private CA given as ca_file (UNSIGNED-PAYLOAD bodies,
// the default over TLS), puts, multipart streams, ranged gets and listings work, through a
// URL too.
TEST(S3HttpsTest, ACaFileMakesAPrivateCertificateTrusted) {
  auto options_or = ServerOptions(/*https=*/true);
  ASSERT_TRUE(options_or.has_value()) << "no S3 server: run through scripts/test.sh or bb test";
  S3Options options = *options_or;
  ASSERT_FALSE(options.ca_file.empty()) << "S3_CA_FILE is not set";
  auto store = *OpenS3Store(options);
  const std::string data = basin::testing::RandomBytes(11 << 20, 5);  // 3 parts
  ASSERT_OK(basin::testing::StreamObject(*store, "big", data));
  ASSERT_OK(store->Put("small", "over tls", PutMode::kCreateOnly));
  EXPECT_EQ(*store->Get("big"), data);
  EXPECT_EQ(*store->Get("big", ByteRange::Span(5 << 20, 100)), data.substr(5 << 20, 100));
  EXPECT_EQ(store->ListAll("")->size(), 2u);

  ::setenv("AWS_ACCESS_KEY_ID", options.access_key.c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", options.secret_key.c_str(), 1);
  auto sk = OpenStoreAndKey(fmt::format("s3://{}/small?endpoint={}&ca_file={}", options.bucket,
                                        options.endpoint, options.ca_file));
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_OK(sk);
  EXPECT_EQ(*sk->store->Get(sk->key), "over tls");
}

// A certificate from a CA nobody trusts, or for another host name, is refused at once:
// PermissionDenied saying why and what to do, never retried, nothing sent.
TEST(S3HttpsTest, UntrustedOrMisnamedCertificatesAreRefused) {
  auto options_or = ServerOptions(/*https=*/true);
  ASSERT_TRUE(options_or.has_value()) << "no S3 server: run through scripts/test.sh or bb test";
  S3Options trusted = *options_or;
  S3Options untrusted = trusted;
  untrusted.ca_file.clear();     // the system's CAs: the test CA is not among them
  S3Options misnamed = trusted;  // the certificate names 127.0.0.1 only
  misnamed.endpoint.replace(misnamed.endpoint.find("127.0.0.1"), 9, "localhost");
  for (const S3Options& o : {untrusted, misnamed}) {
    std::atomic<uint64_t> retries{0};
    S3Options counted = o;
    counted.retry = basin::testing::CountingRetries(6, &retries);
    auto store = std::make_shared<RetryingStore>(*OpenS3Store(counted), counted.retry);
    for (const Status& s : {store->Put("k", "v"), store->Stat("k").status(),
                            basin::testing::StreamObject(*store, "s", "small")}) {
      EXPECT_TRUE(s.IsPermissionDenied()) << o.endpoint << ": " << s.ToString();
      EXPECT_FALSE(s.retryable()) << s.ToString();
      EXPECT_NE(s.message().find("certificate"), std::string::npos) << s.ToString();
      EXPECT_NE(s.message().find("ca_file"), std::string::npos) << s.ToString();
    }
    EXPECT_EQ(retries, 0u) << o.endpoint;
  }
  auto trusted_store = *OpenS3Store(trusted);
  EXPECT_TRUE(trusted_store->Stat("k").status().IsNotFound());  // nothing was written
}

}  // namespace
}  // namespace basin
