#include "core/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace memoryd {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  const struct {
    Status status;
    StatusCode code;
  } cases[] = {
      {Status::InvalidArgument("m"), StatusCode::kInvalidArgument},
      {Status::NotFound("m"), StatusCode::kNotFound},
      {Status::LimitExceeded("m"), StatusCode::kLimitExceeded},
      {Status::Unauthenticated("m"), StatusCode::kUnauthenticated},
      {Status::PermissionDenied("m"), StatusCode::kPermissionDenied},
      {Status::RateLimited("m", 3), StatusCode::kRateLimited},
      {Status::TooLarge("m"), StatusCode::kTooLarge},
      {Status::Conflict("m"), StatusCode::kConflict},
      {Status::Unavailable("m"), StatusCode::kUnavailable},
      {Status::Internal("m"), StatusCode::kInternal},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "m");
  }
}

TEST(StatusTest, ToStringNamesTheCode) {
  EXPECT_EQ(Status::NotFound("memory 'k' not found").ToString(), "not_found: memory 'k' not found");
  EXPECT_EQ(Status::LimitExceeded("x").ToString(), "limit_exceeded: x");
  EXPECT_EQ(Status::Internal("").ToString(), "internal: ");
}

TEST(StatusTest, EveryCodeHasADistinctName) {
  const StatusCode codes[] = {
      StatusCode::kOk,
      StatusCode::kInvalidArgument,
      StatusCode::kNotFound,
      StatusCode::kLimitExceeded,
      StatusCode::kUnauthenticated,
      StatusCode::kPermissionDenied,
      StatusCode::kRateLimited,
      StatusCode::kTooLarge,
      StatusCode::kConflict,
      StatusCode::kUnavailable,
      StatusCode::kInternal,
  };
  std::set<std::string_view> names;
  for (StatusCode code : codes) {
    const std::string_view name = StatusCodeName(code);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST(StatusTest, RateLimitedCarriesRetryAfter) {
  const Status s = Status::RateLimited("slow down", 7);
  EXPECT_EQ(s.retry_after_seconds(), 7);
  EXPECT_EQ(Status::Internal("x").retry_after_seconds(), 0);
}

Status FailIfNegative(int v) {
  if (v < 0) return Status::InvalidArgument("negative");
  return Status::Ok();
}

Status Chain(int v, bool* reached_end) {
  MEMORYD_RETURN_IF_ERROR(FailIfNegative(v));
  *reached_end = true;
  return Status::Ok();
}

TEST(StatusTest, ReturnIfErrorPropagatesFailureAndContinuesOnSuccess) {
  bool reached_end = false;
  const Status failed = Chain(-1, &reached_end);
  EXPECT_EQ(failed.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(reached_end);

  EXPECT_TRUE(Chain(1, &reached_end).ok());
  EXPECT_TRUE(reached_end);
}

}  // namespace
}  // namespace memoryd
