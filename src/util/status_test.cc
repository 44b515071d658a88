#include "basin/status.h"
#include "util/exit_code.h"

#include <gtest/gtest.h>

namespace basin {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_FALSE(s.retryable());
}

TEST(StatusTest, CodesAndMessagesRoundTrip) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::Corruption("x").IsCorruption());
  EXPECT_TRUE(Status::IOError("x").IsIOError());
  EXPECT_TRUE(Status::InvalidArgument("x").IsInvalidArgument());
  EXPECT_TRUE(Status::AlreadyExists("x").IsAlreadyExists());
  EXPECT_TRUE(Status::PermissionDenied("x").IsPermissionDenied());
  EXPECT_TRUE(Status::NotSupported("x").IsNotSupported());
  EXPECT_EQ(Status::Corruption("block 3: bad checksum").ToString(),
            "corruption: block 3: bad checksum");
}

TEST(StatusTest, CorruptionIsDistinctFromIOError) {
  EXPECT_FALSE(Status::Corruption("x").IsIOError());
  EXPECT_FALSE(Status::IOError("x").IsCorruption());
}

TEST(StatusTest, TransientIsRetryableIOError) {
  Status s = Status::Transient("timeout");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_TRUE(s.retryable());
  EXPECT_FALSE(Status::IOError("disk").retryable());
  EXPECT_EQ(s.ToString(), "I/O error (retryable): timeout");
}

TEST(StatusTest, WithContextKeepsCodeAndRetryable) {
  Status s = Status::Transient("reset").WithContext("get 'a'");
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(), "get 'a': reset");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(StatusTest, ExitCodesFollowTheConvention) {
  EXPECT_EQ(ExitCodeFor(Status::OK()), 0);
  EXPECT_EQ(ExitCodeFor(Status::NotFound("")), 1);
  EXPECT_EQ(ExitCodeFor(Status::Corruption("")), 1);
  EXPECT_EQ(ExitCodeFor(Status::IOError("")), 1);
  EXPECT_EQ(ExitCodeFor(Status::InvalidArgument("")), 2);
  EXPECT_EQ(ExitCodeFor(Status::PermissionDenied("")), 3);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  BASIN_ASSIGN_OR_RETURN(int h, Half(x));
  BASIN_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> ok = Half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 4);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsInvalidArgument());
}

TEST(ResultTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_TRUE(Quarter(6).status().IsInvalidArgument());  // 6/2 = 3 is odd
}

TEST(ResultTest, MovesOutValue) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace basin
