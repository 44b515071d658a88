// The HTTP helpers that need no server.
#include "store/s3/http.h"

#include <gtest/gtest.h>

#include <chrono>

namespace basin::s3 {
namespace {

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
