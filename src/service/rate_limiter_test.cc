// RateLimiter with a FakeClock: burst size, retry-after, refill, isolation and "0 = off".
#include "service/rate_limiter.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace memoryd {
namespace {

constexpr AccountId kAlice = 1;
constexpr AccountId kBob = 2;

TEST(RateLimiterTest, AdmitsABurstOfNThenRejectsWithRetryAfter) {
  FakeClock clock;
  RateLimiter limiter(clock, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
  Status rejected = limiter.Admit(kAlice);
  EXPECT_EQ(rejected.code(), StatusCode::kRateLimited);
  // One token every 20 s at 3 per minute.
  EXPECT_EQ(rejected.retry_after_seconds(), 20);
  EXPECT_FALSE(rejected.message().empty());
}

TEST(RateLimiterTest, CountsRefusalsOnly) {
  FakeClock clock;
  RateLimiter limiter(clock, 2);
  EXPECT_TRUE(limiter.Admit(kAlice).ok());
  EXPECT_TRUE(limiter.Admit(kAlice).ok());
  EXPECT_EQ(limiter.refused(), 0);
  EXPECT_FALSE(limiter.Admit(kAlice).ok());
  EXPECT_FALSE(limiter.Admit(kAlice).ok());
  EXPECT_TRUE(limiter.Admit(kBob).ok());
  EXPECT_EQ(limiter.refused(), 2);
}

TEST(RateLimiterTest, RetryAfterIsAtLeastOneSecond) {
  FakeClock clock;
  RateLimiter limiter(clock, 6000);  // a token every 10 ms
  for (int i = 0; i < 6000; ++i) ASSERT_TRUE(limiter.Admit(kAlice).ok());
  Status rejected = limiter.Admit(kAlice);
  ASSERT_EQ(rejected.code(), StatusCode::kRateLimited);
  EXPECT_EQ(rejected.retry_after_seconds(), 1);
}

TEST(RateLimiterTest, RetryingAfterRetryAfterSecondsSucceeds) {
  for (int64_t per_minute : {1, 2, 3, 7, 60}) {
    SCOPED_TRACE(per_minute);
    FakeClock clock;
    RateLimiter limiter(clock, per_minute);
    for (int64_t i = 0; i < per_minute; ++i) ASSERT_TRUE(limiter.Admit(kAlice).ok());
    Status rejected = limiter.Admit(kAlice);
    ASSERT_EQ(rejected.code(), StatusCode::kRateLimited);
    ASSERT_GE(rejected.retry_after_seconds(), 1);
    clock.AdvanceMillis(rejected.retry_after_seconds() * 1000);
    EXPECT_TRUE(limiter.Admit(kAlice).ok());
  }
}

TEST(RateLimiterTest, TokensRefillWithTime) {
  FakeClock clock;
  RateLimiter limiter(clock, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.Admit(kAlice).ok());
  clock.AdvanceMillis(19'000);
  EXPECT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited) << "not a whole token yet";
  // The rejected attempt took nothing: the token completes 20 s after the burst.
  clock.AdvanceMillis(1'000);
  EXPECT_TRUE(limiter.Admit(kAlice).ok());
  EXPECT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
}

TEST(RateLimiterTest, IdleTimeRefillsAtMostAFullBucket) {
  FakeClock clock;
  RateLimiter limiter(clock, 3);
  ASSERT_TRUE(limiter.Admit(kAlice).ok());
  clock.AdvanceMillis(3'600'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
  EXPECT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
}

TEST(RateLimiterTest, AccountsHaveSeparateBuckets) {
  FakeClock clock;
  RateLimiter limiter(clock, 2);
  ASSERT_TRUE(limiter.Admit(kAlice).ok());
  ASSERT_TRUE(limiter.Admit(kAlice).ok());
  ASSERT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
  EXPECT_TRUE(limiter.Admit(kBob).ok());
  EXPECT_TRUE(limiter.Admit(kBob).ok());
  EXPECT_EQ(limiter.Admit(kBob).code(), StatusCode::kRateLimited);
}

TEST(RateLimiterTest, ZeroPerMinuteIsUnlimited) {
  FakeClock clock;
  RateLimiter limiter(clock, 0);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
}

}  // namespace
}  // namespace memoryd
