// The HTTP helpers that need no server, and the client against a fake server on a socket of
// the test's own.
#include "store/s3/http.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "test_http_server.h"
#include "test_util.h"

namespace basin::s3 {
namespace {

// radosgw's beast frontend writes an answer's headers and its body apart, with Nagle's
// algorithm on: the body waits until the headers are acknowledged, and Linux delays that
// ACK by 40 ms once a connection goes back and forth. Each small GET took 40 ms until the
// client acknowledged the headers at once.
TEST(HttpClientTest, BodiesWrittenAfterTheirHeadersDoNotWaitForADelayedAck) {
  basin::testing::TestHttpServer server(
      [](const std::string&) {
        basin::testing::TestHttpServer::Reply r;
        r.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
        r.split = r.bytes.size() - 3;
        return r;
      },
      /*keep_connections=*/true);
  HttpClient client(HttpOptions{});
  constexpr int kRequests = 20;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest request;
    request.method = "GET";
    request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/k";
    HttpResponse response;
    ASSERT_OK(client.Perform(request, &response));
    ASSERT_EQ(response.status, 200);
    ASSERT_EQ(response.body, "abc");
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(server.connections(), 1u) << "the delay shows only on a kept connection";
  // 40 ms a request with the delay; well under 1 ms each without it.
  EXPECT_LT(elapsed, kRequests * std::chrono::milliseconds(10));
}

TEST(ContentRangeTest, WellFormedRangesParse) {
  uint64_t first = 9, last = 9, total = 9;
  ASSERT_TRUE(ParseContentRange("bytes 0-0/1", &first, &last, &total));
  EXPECT_EQ(first, 0u);
  EXPECT_EQ(last, 0u);
  EXPECT_EQ(total, 1u);
  ASSERT_TRUE(ParseContentRange("bytes 100-65635/18446744073709551615", &first, &last, &total));
  EXPECT_EQ(first, 100u);
  EXPECT_EQ(last, 65635u);
  EXPECT_EQ(total, UINT64_MAX);
}

TEST(ContentRangeTest, MalformedOrInconsistentRangesAreRefused) {
  uint64_t first, last, total;
  for (const char* bad :
       {"", "bytes", "bytes ", "bytes 0-9", "bytes 0-9/", "bytes */100", "bytes 0-9/*",
        "items 0-9/10", "bytes 5-4/10", "bytes 0-10/10", "bytes -1-9/10", "bytes 0-9/10 ",
        "bytes 0-9/10x", "bytes 0-99999999999999999999/1", "Bytes 0-9/10"}) {
    EXPECT_FALSE(ParseContentRange(bad, &first, &last, &total)) << "'" << bad << "'";
  }
}

TEST(HttpDateTest, ARealDateParsesToItsSecond) {
  std::chrono::system_clock::time_point t;
  ASSERT_TRUE(ParseHttpDate("Mon, 07 Dec 2026 18:13:49 GMT", &t));
  EXPECT_EQ(std::chrono::system_clock::to_time_t(t), 1796667229);
}

// Found by s3_answer_fuzz once the library was instrumented: curl reads "66630630" as a
// date in the year 6663, whose nanoseconds overflow system_clock (undefined behaviour).
TEST(HttpDateTest, DatesBeyondTheClocksRangeAreRefused) {
  std::chrono::system_clock::time_point t;
  for (const char* bad : {"66630630", "Fri, 31 Dec 9999 23:59:59 GMT", "", "not a date"}) {
    EXPECT_FALSE(ParseHttpDate(bad, &t)) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace basin::s3
