// S3's streamed writer against the test server, through a fault proxy that breaks chosen
// requests: every request of a streamed object is retried (parts, the upload's start and
// completion, the one PUT of a small object), a part that fails for good fails the write
// cleanly, create-only streams are bounded, and the probes keep only definite answers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>

#include "basin/s3_store.h"
#include "fault_proxy.h"
#include "s3_test_util.h"
#include "store/s3/s3_client.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::FaultProxy;
using basin::testing::RandomBytes;
using basin::testing::StreamObject;

// Multipart uploads the bucket still holds (started, neither completed nor aborted).
int OpenUploads(const S3Options& options) {
  s3::S3Client client(options);
  s3::HttpResponse r;
  Status s = client.Call("GET", "", {{"uploads", ""}}, {}, {}, &r);
  EXPECT_TRUE(s.ok() && r.status == 200) << s.ToString() << " " << r.status;
  int n = 0;
  for (size_t at = 0; (at = r.body.find("<Upload>", at)) != std::string::npos; ++at) ++n;
  return n;
}

// A regular expression for the request line of `method` on `key` with `query` after it.
std::string Request(const char* method, const std::string& key, const char* query = "") {
  return fmt::format("^{} /[^/]+/{}{}", method, key, query);
}

class S3WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = basin::testing::ServerOptions();
    ASSERT_TRUE(o.has_value()) << "no S3 server: run through scripts/test.sh or bb test";
    options_ = *o;
    proxy_ = std::make_unique<FaultProxy>(basin::testing::ServerPort(options_), 0.0, 1, 2500);
    via_ = basin::testing::ViaProxy(options_, *proxy_, 4, &retries_);
    store_ = *OpenS3Store(via_);  // no RetryingStore: the writer retries on its own
    direct_ = *OpenS3Store(options_);
  }

  S3Options options_, via_;
  std::unique_ptr<FaultProxy> proxy_;
  std::atomic<uint64_t> retries_{0};
  std::shared_ptr<ObjectStore> store_, direct_;
};

// One 503, one reset in the middle of an answer, one answer lost after the server stored
// the part: each part is sent again from the buffer the writer kept.
TEST_F(S3WriterTest, FailedPartsAreSentAgain) {
  proxy_->FailNext(Request("PUT", "big", "\\?partNumber=1&"), 1, FaultProxy::kSlowDown);
  proxy_->FailNext(Request("PUT", "big", "\\?partNumber=2&"), 1, FaultProxy::kReset);
  proxy_->FailNext(Request("PUT", "big", "\\?partNumber=4&"), 1, FaultProxy::kDropResponse);
  const std::string data = RandomBytes((15 << 20) + 12345, 1);  // 4 parts
  ASSERT_OK(StreamObject(*store_, "big", data, PutMode::kOverwrite, 777777));
  EXPECT_EQ(proxy_->total_faults(), 3u);
  EXPECT_EQ(retries_, 3u);
  EXPECT_EQ(*direct_->Get("big"), data);
}

// A part that fails every time fails the write with a clear error (it used to crash the
// process: std::future_error from an abort waiting on a consumed future), leaves no object
// and no upload behind.
TEST_F(S3WriterTest, APartFailingForGoodFailsTheWriteAndAbortsTheUpload) {
  proxy_->FailNext(Request("PUT", "big", "\\?partNumber=2&"), 1000, FaultProxy::kError500);
  const std::string data = RandomBytes(17 << 20, 2);  // 4 parts
  Status s = StreamObject(*store_, "big", data);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("upload part 2 of"), std::string::npos) << s.ToString();
  EXPECT_EQ(retries_, 3u);  // 4 attempts
  EXPECT_TRUE(direct_->Stat("big").status().IsNotFound());
  EXPECT_EQ(OpenUploads(options_), 0);
}

// The same when the writer is destroyed (or aborted) with parts in flight.
TEST_F(S3WriterTest, AbortWithPartsInFlightLeavesNothing) {
  auto w = *store_->NewWriter("big");
  const std::string data = RandomBytes(16 << 20, 3);
  ASSERT_OK(w->Append(data));
  w->Abort();
  EXPECT_FALSE(w->Close().ok());
  w.reset();
  EXPECT_TRUE(direct_->Stat("big").status().IsNotFound());
  EXPECT_EQ(OpenUploads(options_), 0);
}

TEST_F(S3WriterTest, StartingTheUploadIsRetried) {
  proxy_->FailNext(Request("POST", "big", "\\?uploads="), 1, FaultProxy::kStall);
  const std::string data = RandomBytes(11 << 20, 4);
  ASSERT_OK(StreamObject(*store_, "big", data));
  EXPECT_EQ(*direct_->Get("big"), data);
}

// The server completed the upload, and its answer was lost: the retried completion finds
// the upload completed (radosgw answers 200 again, AWS NoSuchUpload) and the object is
// checked to be ours. No failure, no second object.
TEST_F(S3WriterTest, ALostCompletionAnswerIsNotAFailure) {
  proxy_->FailNext(Request("POST", "big", "\\?uploadId="), 1, FaultProxy::kDropResponse);
  proxy_->FailNext(Request("POST", "big", "\\?uploadId="), 1, FaultProxy::kError500);
  const std::string data = RandomBytes(11 << 20, 5);
  ASSERT_OK(StreamObject(*store_, "big", data));
  EXPECT_EQ(proxy_->total_faults(), 2u);
  EXPECT_EQ(*direct_->Get("big"), data);
  EXPECT_EQ(OpenUploads(options_), 0);
}

// The one PUT of a small streamed object (what `basin store put` does for small files) is
// retried; create-only too, where a lost answer must not become a false conflict.
TEST_F(S3WriterTest, TheSinglePutOfASmallStreamedObjectIsRetried) {
  proxy_->FailNext(Request("PUT", "small", " "), 1, FaultProxy::kSlowDown);
  ASSERT_OK(StreamObject(*store_, "small", "a small object"));
  EXPECT_EQ(*direct_->Get("small"), "a small object");

  proxy_->FailNext(Request("PUT", "once", " "), 1, FaultProxy::kDropResponse);
  ASSERT_OK(StreamObject(*store_, "once", "created once", PutMode::kCreateOnly));
  EXPECT_EQ(*direct_->Get("once"), "created once");
  Status again = StreamObject(*store_, "once", "created twice", PutMode::kCreateOnly);
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_EQ(proxy_->total_faults(), 2u);
}

// `basin store put` retries its PUT: one 503 used to fail the command.
TEST_F(S3WriterTest, BasinStorePutIsRetried) {
  basin::testing::TempDir dir;
  const std::string file = dir.path() + "/f";
  std::FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("from a file", f);
  std::fclose(f);
  proxy_->FailNext(Request("PUT", "cli", " "), 1, FaultProxy::kSlowDown);
  auto r = basin::testing::RunBasin(
      fmt::format("store put 's3://{}/cli?endpoint={}' {}", options_.bucket, via_.endpoint, file),
      options_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(proxy_->total_faults(), 1u);
  EXPECT_EQ(*direct_->Get("cli"), "from a file");
}

// Create-only streams are held whole until their one conditional PUT: up to
// CreateOnlyStreamLimit bytes, and refused beyond with a clear error, never held without
// bound.
TEST_F(S3WriterTest, CreateOnlyStreamsAreBounded) {
  S3Options o = options_;
  o.parallel_parts = 1;
  auto store = *OpenS3Store(o);
  const uint64_t limit = CreateOnlyStreamLimit(o);
  ASSERT_EQ(limit, uint64_t{10} << 20);
  const std::string data = RandomBytes(limit, 6);
  ASSERT_OK(StreamObject(*store, "at-limit", data, PutMode::kCreateOnly));
  EXPECT_EQ(*store->Get("at-limit"), data);

  auto w = *store->NewWriter("over-limit", PutMode::kCreateOnly);
  ASSERT_OK(w->Append(data));
  Status s = w->Append("x");
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(limit) + " bytes"), std::string::npos) << s.message();
  EXPECT_FALSE(w->Close().ok());
  EXPECT_TRUE(store->Stat("over-limit").status().IsNotFound());
}

// A failure while probing whether the server honours create-only or if-match puts is not
// kept: the next conditional put probes again and succeeds.
TEST_F(S3WriterTest, ATransientProbeFailureIsNotKept) {
  proxy_->FailNext("^PUT .*\\.basin-probe-", 1, FaultProxy::kSlowDown);
  Status first = store_->Put("a", "1", PutMode::kCreateOnly);
  EXPECT_TRUE(first.retryable()) << first.ToString();
  ASSERT_OK(store_->Put("a", "1", PutMode::kCreateOnly));
  EXPECT_TRUE(store_->Put("a", "2", PutMode::kCreateOnly).IsAlreadyExists());

  proxy_->FailNext("^PUT .*\\.basin-probe-", 1, FaultProxy::kDropResponse);
  const std::string etag = store_->Stat("a")->etag;
  Status cas = store_->PutIfMatch("a", "3", etag);
  EXPECT_TRUE(cas.retryable()) << cas.ToString();
  ASSERT_OK(store_->PutIfMatch("a", "3", etag));
  EXPECT_EQ(*direct_->Get("a"), "3");
}

}  // namespace
}  // namespace basin
