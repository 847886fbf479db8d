#include "transport/http/auth_failures.h"

#include <gtest/gtest.h>

namespace memoryd::http {
namespace {

TEST(AuthFailuresTest, TwentyFailuresInAMinuteBlockTheAddressUntilTheMinuteHasPassed) {
  FakeClock clock;
  AuthFailures limiter(clock);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(limiter.Check("10.0.0.1").ok()) << i;
    limiter.RecordFailure("10.0.0.1");
    clock.AdvanceMillis(1000);
  }
  Status blocked = limiter.Check("10.0.0.1");
  EXPECT_EQ(blocked.code(), StatusCode::kRateLimited);
  EXPECT_EQ(blocked.retry_after_seconds(), 40);
  EXPECT_TRUE(limiter.Check("10.0.0.2").ok()) << "other addresses are not affected";
  clock.AdvanceMillis(40'000);
  EXPECT_TRUE(limiter.Check("10.0.0.1").ok());
}

TEST(AuthFailuresTest, OnlyFailuresAreRefusedAValidKeyAlwaysPasses) {
  FakeClock clock;
  AuthFailures limiter(clock);
  const Status unknown = Status::Unauthenticated("unknown API key");
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(limiter.Judge("127.0.0.1", unknown).code(), StatusCode::kUnauthenticated) << i;
  }
  EXPECT_EQ(limiter.Judge("127.0.0.1", unknown).code(), StatusCode::kRateLimited);
  EXPECT_TRUE(limiter.Judge("127.0.0.1", Status::Ok()).ok()) << "agents share 127.0.0.1";
  const Status other = Status::Internal("store down");
  EXPECT_EQ(limiter.Judge("127.0.0.1", other).code(), StatusCode::kInternal);
}

TEST(AuthFailuresTest, TheTableStaysBounded) {
  FakeClock clock;
  AuthFailureOptions options;
  options.max_addresses = 3;
  options.max_failures = 1;
  AuthFailures limiter(clock, options);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("a" + std::to_string(i));
  limiter.RecordFailure("new");  // full of live windows: not tracked
  EXPECT_TRUE(limiter.Check("new").ok());
  EXPECT_FALSE(limiter.Check("a0").ok());
  clock.AdvanceMillis(60'000);
  limiter.RecordFailure("new");  // the expired windows make room
  EXPECT_FALSE(limiter.Check("new").ok());
}

}  // namespace
}  // namespace memoryd::http
