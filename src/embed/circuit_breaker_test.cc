#include "embed/circuit_breaker.h"

#include <gtest/gtest.h>

namespace memoryd {
namespace {

BreakerOptions Options() {
  BreakerOptions o;
  o.failure_threshold = 3;
  o.initial_backoff_ms = 1000;
  o.max_backoff_ms = 4000;
  return o;
}

TEST(CircuitBreakerTest, OpensAfterTheThresholdOfFailuresInARow) {
  CircuitBreaker b(Options());
  EXPECT_TRUE(b.Allow(0));
  EXPECT_FALSE(b.RecordFailure(0));
  EXPECT_FALSE(b.RecordFailure(0));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_TRUE(b.RecordFailure(10));
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.retry_at_ms(), 1010);
  EXPECT_FALSE(b.Allow(500));
  EXPECT_EQ(b.failures(), 3);
}

TEST(CircuitBreakerTest, ASuccessResetsTheCount) {
  CircuitBreaker b(Options());
  b.RecordFailure(0);
  b.RecordFailure(0);
  EXPECT_TRUE(b.RecordSuccess());
  b.RecordFailure(0);
  b.RecordFailure(0);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreakerTest, LetsExactlyOneProbeThroughAfterTheBackoff) {
  CircuitBreaker b(Options());
  for (int i = 0; i < 3; ++i) b.RecordFailure(0);
  EXPECT_FALSE(b.WouldAllow(999));
  EXPECT_TRUE(b.WouldAllow(1000));
  EXPECT_TRUE(b.Allow(1000));
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(b.Allow(1001)) << "only one probe at a time";
  EXPECT_TRUE(b.RecordSuccess());
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_TRUE(b.Allow(1002));
}

TEST(CircuitBreakerTest, AFailedProbeDoublesTheBackoffUpToTheMaximum) {
  CircuitBreaker b(Options());
  for (int i = 0; i < 3; ++i) b.RecordFailure(0);
  int64_t now = 0;
  const int64_t expected[] = {2000, 4000, 4000};
  for (int64_t backoff : expected) {
    now = b.retry_at_ms();
    ASSERT_TRUE(b.Allow(now));
    b.RecordFailure(now);
    EXPECT_EQ(b.retry_at_ms() - now, backoff);
  }
}

TEST(CircuitBreakerTest, LateFailuresOfCallsSentBeforeItOpenedLeaveTheBackoffAlone) {
  CircuitBreaker b(Options());
  for (int i = 0; i < 3; ++i) b.RecordFailure(0);
  for (int i = 0; i < 29; ++i) EXPECT_FALSE(b.RecordFailure(5));  // 32 searches were in flight
  EXPECT_EQ(b.retry_at_ms(), 1000);
  EXPECT_EQ(b.failures(), 32);
}

TEST(CircuitBreakerTest, ALastingFailureOpensAtOnceForTheLongestBackoff) {
  CircuitBreaker b(Options());
  EXPECT_TRUE(b.RecordFailure(100, /*lasting=*/true));
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.retry_at_ms(), 4100);
}

}  // namespace
}  // namespace memoryd
