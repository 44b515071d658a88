// The S3 store against a fake server on a real socket that answers wrongly on purpose:
// malformed headers, XML and ranges, missing entity tags and upload ids, oversized bodies,
// bodiless 404s and 403s. Every one must be a clear error (or the right answer), never an
// exception, a crash, or a wrong answer used silently.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <string>
#include <thread>

#include "basin/s3_store.h"
#include "s3_test_util.h"
#include "store/s3/s3_protocol.h"
#include "test_http_server.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::HttpAnswer;
using basin::testing::RequestLine;
using basin::testing::TestHttpServer;
using Headers = std::vector<std::pair<std::string, std::string>>;

// An HTTP date `offset` from now.
std::string HttpDate(std::chrono::seconds offset = {}) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string Xml(const std::string& body) { return "<?xml version=\"1.0\"?>" + body; }

std::string ErrorXml(const std::string& code) {
  return Xml("<Error><Code>" + code + "</Code><Message></Message></Error>");
}

// A fake S3 server: `answer` gets the request's method and path with its query
// ("GET /bucket/k?x=1"), and the whole request, and returns the raw answer.
class FakeS3Test : public ::testing::Test {
 protected:
  using Answer = std::function<std::string(const std::string& line, const std::string& request)>;

  void Serve(Answer answer) {
    answer_ = std::move(answer);
    server_ = std::make_unique<TestHttpServer>([this](const std::string& request) {
      std::string line = RequestLine(request);
      line = line.substr(0, line.rfind(' '));  // without " HTTP/1.1"
      return TestHttpServer::Reply{answer_(line, request)};
    });
    S3Options o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(server_->port());
    o.access_key = "key";
    o.secret_key = "secret";
    o.bucket = "bucket";
    o.part_size = 5 << 20;
    o.stall_seconds = 2;
    o.retry.max_attempts = 3;
    o.retry.sleep = [this](std::chrono::milliseconds) { ++retries_; };
    options_ = o;
    store_ = *OpenS3Store(o);
  }

  // Expects an IOError, not retryable unless said, whose message holds `words`.
  static void ExpectIOError(const Status& s, const std::string& words, bool retryable = false) {
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_EQ(s.retryable(), retryable) << s.ToString();
    EXPECT_NE(s.message().find(words), std::string::npos) << s.ToString();
  }

  Answer answer_;
  std::unique_ptr<TestHttpServer> server_;
  S3Options options_;
  std::shared_ptr<ObjectStore> store_;
  std::atomic<int> retries_{0};
};

TEST_F(FakeS3Test, MalformedHeadAnswersAreRefused) {
  Serve([](const std::string& line, const std::string&) {
    const Headers ok = {{"ETag", "\"e\""}};
    if (line == "HEAD /bucket/length") return HttpAnswer(200, "", {{"Content-Length", "12abc"}});
    if (line == "HEAD /bucket/huge") {
      return HttpAnswer(200, "", {{"Content-Length", "99999999999999999999"}}, true);
    }
    if (line == "HEAD /bucket/noetag") return HttpAnswer(200, "", {}, true);
    if (line == "HEAD /bucket/badetag") return HttpAnswer(200, "", {{"ETag", "a b"}}, true);
    if (line == "HEAD /bucket/date") {
      return HttpAnswer(200, "", {{"ETag", "\"e\""}, {"Last-Modified", "yesterday"}}, true);
    }
    if (line == "HEAD /bucket/fine") {
      return HttpAnswer(200, "", {{"ETag", "\"e\""}, {"Content-Length", "7"}}, true);
    }
    return HttpAnswer(500, "");
  });
  ExpectIOError(store_->Stat("length").status(), "Content-Length '12abc' is not a size");
  ExpectIOError(store_->Stat("huge").status(), "is not a size");
  ExpectIOError(store_->Stat("noetag").status(), "ETag '' is missing or malformed");
  ExpectIOError(store_->Stat("badetag").status(), "ETag 'a b' is missing or malformed");
  ExpectIOError(store_->Stat("date").status(), "Last-Modified 'yesterday' is not a date");
  auto fine = store_->Stat("fine");
  ASSERT_OK(fine);
  EXPECT_EQ(fine->size, 7u);
}

// HEAD answers have no body: a 404 is settled with a HEAD of the bucket, a 403 with the
// server's Date.
TEST_F(FakeS3Test, BodilessAnswersAreSettled) {
  std::atomic<bool> bucket_exists{true};
  std::atomic<int> clock_skew_s{0};
  Serve([&](const std::string& line, const std::string&) {
    if (line == "HEAD /bucket") return HttpAnswer(bucket_exists ? 200 : 404, "", {}, true);
    if (line == "HEAD /bucket/missing") return HttpAnswer(404, "", {}, true);
    if (line == "HEAD /bucket/refused") {
      return HttpAnswer(403, "", {{"Date", HttpDate(std::chrono::seconds(clock_skew_s))}}, true);
    }
    return HttpAnswer(500, "");
  });
  EXPECT_TRUE(store_->Stat("missing").status().IsNotFound());
  bucket_exists = false;
  ExpectIOError(store_->Stat("missing").status(), "bucket 'bucket' does not exist");

  Status s = store_->Stat("refused").status();
  EXPECT_TRUE(s.IsPermissionDenied());
  EXPECT_EQ(s.message().find("clock"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("check the access key and secret"), std::string::npos);
  clock_skew_s = -2 * 3600;  // the server is 2 hours behind us
  s = store_->Stat("refused").status();
  EXPECT_TRUE(s.IsPermissionDenied());
  EXPECT_NE(s.message().find("this machine's clock is 2 h 0 min ahead of the server's"),
            std::string::npos)
      << s.message();
  clock_skew_s = 3 * 3600 + 5 * 60 + 30;
  s = store_->Stat("refused").status();
  EXPECT_NE(s.message().find("3 h 5 min behind"), std::string::npos) << s.message();
}

TEST_F(FakeS3Test, MissingKeysAndMissingBucketsAreDifferentAnswers) {
  Serve([](const std::string& line, const std::string&) {
    if (line.find("/bucket/gone") != std::string::npos)
      return HttpAnswer(404, ErrorXml("NoSuchKey"));
    return HttpAnswer(404, ErrorXml("NoSuchBucket"));
  });
  EXPECT_TRUE(store_->Get("gone").status().IsNotFound());
  EXPECT_OK(store_->Delete("gone"));  // an absent key is deleted
  ExpectIOError(store_->Get("k").status(), "bucket 'bucket' does not exist");
  ExpectIOError(store_->Delete("k"), "bucket 'bucket' does not exist");
  ExpectIOError(store_->Put("k", "v"), "bucket 'bucket' does not exist");
  ExpectIOError(store_->List({}).status(), "bucket 'bucket' does not exist");
}

TEST_F(FakeS3Test, MalformedRangesAndOversizedBodiesAreRefused) {
  Serve([](const std::string& line, const std::string& request) {
    const Headers etag = {{"ETag", "\"e\""}};
    if (line == "GET /bucket/range") {
      return HttpAnswer(206, "0123456789", {{"ETag", "\"e\""}, {"Content-Range", "bytes 0-9"}});
    }
    if (line == "GET /bucket/short") {
      return HttpAnswer(206, "01234", {{"ETag", "\"e\""}, {"Content-Range", "bytes 0-9/100"}});
    }
    if (line == "GET /bucket/moved") {
      return HttpAnswer(206, "0123456789",
                        {{"ETag", "\"e\""}, {"Content-Range", "bytes 1-10/100"}});
    }
    if (line == "GET /bucket/flood") return HttpAnswer(200, std::string(200 << 10, 'x'), etag);
    if (line == "GET /bucket/noetag") return HttpAnswer(200, "abc");
    if (line == "GET /bucket/ignored") {
      // The server ignored the range and sent the whole object: the span is cut from it.
      EXPECT_NE(request.find("Range: bytes=2-4"), std::string::npos);
      return HttpAnswer(200, "0123456789", etag);
    }
    return HttpAnswer(500, "");
  });
  std::string out;
  ExpectIOError(store_->Get("range", ByteRange::Span(0, 10), &out), "Content-Range 'bytes 0-9'");
  ExpectIOError(store_->Get("short", ByteRange::Span(0, 10), &out), "does not describe");
  ExpectIOError(store_->Get("moved", ByteRange::Span(0, 10), &out), "the server sent [1, 11)");
  ExpectIOError(store_->Get("flood", ByteRange::Span(0, 10), &out), "larger than");
  ExpectIOError(store_->Get("flood", ByteRange::Suffix(10), &out), "larger than");
  ObjectInfo info;
  ExpectIOError(store_->Get("noetag", ByteRange::All(), {}, &out, &info), "ETag");
  ExpectIOError(store_->OpenReadable("noetag", 16).status(), "ETag");
  ASSERT_OK(store_->Get("ignored", ByteRange::Span(2, 3), &out));
  EXPECT_EQ(out, "234");
}

TEST_F(FakeS3Test, MalformedListingsAreRefused) {
  std::atomic<int> which{0};
  Serve([&](const std::string&, const std::string&) {
    auto entry = [](const std::string& key) {
      return "<Contents><Key>" + key + "</Key><Size>1</Size><ETag>\"e\"</ETag></Contents>";
    };
    auto page = [](const std::string& truncated, const std::string& contents) {
      return HttpAnswer(200, Xml("<ListBucketResult><IsTruncated>" + truncated + "</IsTruncated>" +
                                 contents + "</ListBucketResult>"));
    };
    switch (which) {
      case 0:
        return HttpAnswer(200, "{\"json\": true}");
      case 1:
        return page("maybe", entry("p/a"));
      case 2:
        return page("false", entry("p/b") + entry("p/a"));  // out of order
      case 3:
        return page("false", entry("q/a"));  // not under the prefix asked for
      case 4:
        return page("true", "");  // more follow, but none listed
      case 5:
        return page("false", entry("p/a"));  // at or before start_after
      default:
        return page("false", entry("p/a") + entry("p/b"));
    }
  });
  ListOptions lo;
  lo.prefix = "p/";
  for (const char* words : {"list answer is malformed", "IsTruncated is 'maybe'",
                            "listed 'p/a', which is not a key under the prefix after 'p/b'",
                            "listed 'q/a'", "says more keys follow but listed none"}) {
    ExpectIOError(store_->List(lo).status(), words);
    ++which;
  }
  lo.start_after = "p/a";
  ExpectIOError(store_->List(lo).status(), "after 'p/a'");
  ++which;
  lo.start_after.clear();
  auto page = store_->List(lo);
  ASSERT_OK(page);
  EXPECT_EQ(page->objects.size(), 2u);
  EXPECT_OK(store_->ListAll("p/"));
}

TEST_F(FakeS3Test, MalformedDeleteAnswersAreRefused) {
  std::atomic<int> which{0};
  Serve([&](const std::string&, const std::string&) {
    switch (which) {
      case 0:
        return HttpAnswer(200, "garbage");
      case 1:
        return HttpAnswer(200, Xml("<DeleteResult><Error><Key>a</Key><Code>AccessDenied</Code>"
                                   "</Error></DeleteResult>"));
      default:
        return HttpAnswer(200, Xml("<DeleteResult></DeleteResult>"));
    }
  });
  ExpectIOError(store_->DeleteMany({"a", "b"}), "delete objects answer is malformed");
  ++which;
  ExpectIOError(store_->DeleteMany({"a", "b"}), "delete 'a': AccessDenied");
  ++which;
  EXPECT_OK(store_->DeleteMany({"a", "b"}));
}

// A fake multipart server whose answers a test spoils one at a time.
struct Multipart {
  std::string upload_answer =
      Xml("<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>");
  Headers part_headers = {{"ETag", "\"0123456789abcdef0123456789abcdef\""}};
  std::string complete_answer = Xml("<CompleteMultipartUploadResult/>");
  std::string head_length = "10485761";
  std::string head_etag = "\"5d5d2aa3bd0a8e5f7a8e3b21ac4e3c55-3\"";  // another object's
  std::atomic<int> aborts{0}, completes{0};

  std::string Answer(const std::string& line) {
    if (line.starts_with("POST /bucket/big?uploads")) return HttpAnswer(200, upload_answer);
    if (line.starts_with("PUT /bucket/big?partNumber=")) return HttpAnswer(200, "", part_headers);
    if (line.starts_with("POST /bucket/big?uploadId=")) {
      ++completes;
      return HttpAnswer(200, complete_answer);
    }
    if (line.starts_with("DELETE /bucket/big?uploadId=")) {
      ++aborts;
      return HttpAnswer(204, "");
    }
    if (line == "HEAD /bucket/big") {
      return HttpAnswer(200, "", {{"Content-Length", head_length}, {"ETag", head_etag}}, true);
    }
    return HttpAnswer(500, "");
  }
};

TEST_F(FakeS3Test, MalformedMultipartAnswersFailTheWriteCleanly) {
  Multipart m;
  Serve([&](const std::string& line, const std::string&) { return m.Answer(line); });
  const std::string data(10485761, 'd');  // 2 full parts and 1 byte
  auto write = [&] { return basin::testing::StreamObject(*store_, "big", data); };

  m.upload_answer = Xml("<InitiateMultipartUploadResult/>");
  ExpectIOError(write(), "UploadId");
  m.upload_answer =
      Xml("<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>");

  m.part_headers = {};
  ExpectIOError(write(), "of 'big': the server's ETag '' is missing or malformed");
  EXPECT_EQ(m.aborts, 1);
  m.part_headers = {{"ETag", "\"0123456789abcdef0123456789abcdef\""}};

  m.complete_answer = Xml("<Error><Code>InvalidPart</Code></Error>");
  ExpectIOError(write(), "HTTP 200 reporting InvalidPart");
  EXPECT_EQ(m.aborts, 2);

  m.completes = 0;
  m.complete_answer = "not xml";  // retried: the answer may have been cut
  retries_ = 0;
  ExpectIOError(write(), "complete multipart upload answer is malformed", /*retryable=*/true);
  EXPECT_EQ(m.completes, 3);
  EXPECT_EQ(retries_, 2);
  m.complete_answer = Xml("<CompleteMultipartUploadResult/>");

  m.head_length = "10485760";  // one byte short after completion
  ExpectIOError(write(), "'big' holds 10485760 bytes after upload, expected 10485761");
  m.head_length = "10485761";
  // The parts' ETags make a known multipart tag; the fake server's is another object's.
  ExpectIOError(write(), "another writer replaced it");
  const std::string part = m.part_headers[0].second;
  m.head_etag = s3::MultipartEtag({part, part, part});
  m.aborts = 0;
  EXPECT_OK(write());
  EXPECT_EQ(m.aborts, 0);
}

// AWS's way of answering a completion repeated after it succeeded: NoSuchUpload. The
// writer then checks that the object is the one its parts make, and succeeds.
TEST_F(FakeS3Test, ACompletionFoundGoneAfterALostAnswerIsChecked) {
  Multipart m;
  Serve([&](const std::string& line, const std::string&) {
    if (line.starts_with("POST /bucket/big?uploadId=") && m.completes++ == 0) {
      return std::string();  // completed, and the connection closed before the answer
    }
    if (line.starts_with("POST /bucket/big?uploadId=")) {
      return HttpAnswer(404, ErrorXml("NoSuchUpload"));
    }
    return m.Answer(line);
  });
  const std::string data(10485761, 'd');
  const std::string part = m.part_headers[0].second;
  m.head_etag = s3::MultipartEtag({part, part, part});
  EXPECT_OK(basin::testing::StreamObject(*store_, "big", data));
  EXPECT_EQ(m.completes, 2);
  EXPECT_EQ(m.aborts, 0);
  // Not ours (another object's tag): the write fails, naming what it found.
  m.completes = 0;
  m.head_etag = "\"5d5d2aa3bd0a8e5f7a8e3b21ac4e3c55-3\"";
  ExpectIOError(basin::testing::StreamObject(*store_, "big", data),
                "after a retried completion found the upload gone");
}

// Parts go up parallel_parts at a time on the process's executor: never more at once, and
// as many when the server is slow.
TEST_F(FakeS3Test, PartsInFlightAreBounded) {
  Multipart m;
  std::atomic<int> in_flight{0}, most{0};
  Serve([&](const std::string& line, const std::string&) {
    if (!line.starts_with("PUT /bucket/big?partNumber=")) return m.Answer(line);
    const int now = ++in_flight;
    for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // far longer than a part takes
    --in_flight;
    return m.Answer(line);
  });
  S3Options o = options_;
  o.parallel_parts = 3;
  auto store = *OpenS3Store(o);
  const std::string part = m.part_headers[0].second;
  m.head_etag = s3::MultipartEtag(std::vector<std::string>(8, part));
  m.head_length = std::to_string((35 << 20) + 1);
  EXPECT_OK(basin::testing::StreamObject(*store, "big", std::string((35 << 20) + 1, 'p')));
  EXPECT_EQ(most, 3);
}

// A listing of multipart uploads that is not the one asked for (keys outside the prefix or
// out of order, a bad time, markers that never move, a page that never ends) fails the
// sweep, naming what was wrong, and nothing is aborted.
TEST_F(FakeS3Test, HostileUploadListingsFailTheSweepAndAbortNothing) {
  auto upload = [](const std::string& key, const std::string& when = "2020-01-01T00:00:00.000Z") {
    return "<Upload><Key>" + key + "</Key><UploadId>u-" + key + "</UploadId><Initiated>" + when +
           "</Initiated></Upload>";
  };
  auto listing = [](const std::string& uploads, const std::string& more = "false",
                    const std::string& next = "") {
    return Xml("<ListMultipartUploadsResult><IsTruncated>" + more + "</IsTruncated>" + next +
               uploads + "</ListMultipartUploadsResult>");
  };
  const std::string endless =
      "<NextKeyMarker>p/a</NextKeyMarker><NextUploadIdMarker>u-p/a"
      "</NextUploadIdMarker>";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {listing(upload("q/outside")), "not a key under the prefix"},
      {listing(upload("p/b") + upload("p/a")), "not a key under the prefix"},
      {listing(upload("p/a", "last tuesday")), "the start time 'last tuesday'"},
      {listing(upload("p/a"), "maybe"), "IsTruncated is 'maybe'"},
      {listing(upload("p/a"), "true"), "next markers"},
      {listing("", "true", endless), "listed none"},
      {listing(upload("p/a"), "true", endless), "do not move forward"},
      {listing("<Upload><Key>p/a</Key><UploadId>a b</UploadId></Upload>"), "upload id 'a b'"},
      {"<html>", "malformed"}};
  for (const auto& [answer, words] : cases) {
    std::atomic<int> aborts{0}, lists{0};
    Serve([&, answer = answer](const std::string& line, const std::string&) {
      if (line.starts_with("DELETE")) ++aborts;
      if (!line.starts_with("GET /bucket?")) return HttpAnswer(200, "", {{"ETag", "\"e\""}});
      // The first page moves on to p/a; what comes then is the case's answer.
      if (++lists == 1 && answer.find(endless) != std::string::npos) {
        return HttpAnswer(200, listing(upload("p/0"), "true", endless));
      }
      return HttpAnswer(200, answer);
    });
    S3Options o = options_;
    o.prefix = "p";
    auto store = *OpenS3Store(o);
    SweepOptions so;
    so.min_age = std::chrono::seconds(0);
    auto r = store->Sweep(so);
    ExpectIOError(r.status(), words);
    EXPECT_EQ(aborts, 0) << words;
  }
}

TEST_F(FakeS3Test, ServerErrorsWithJunkBodiesAreRetryable) {
  Serve([](const std::string&, const std::string&) {
    return HttpAnswer(503, std::string("\x00\x01junk", 6));
  });
  Status s = store_->Put("k", "v");
  EXPECT_TRUE(s.IsIOError() && s.retryable()) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 503"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace basin
