// RateLimiter with a FakeClock: burst size, retry-after, refill, isolation and "0 = off"; the
// budget shared by limiters on one store, leased in blocks; the fallback when the store is down.
#include "service/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/fault_plan.h"
#include "store/in_memory_store.h"
#include "store/sql_store.h"
#include "store/store_test_util.h"

namespace memoryd {
namespace {

constexpr AccountId kAlice = 1;
constexpr AccountId kBob = 2;

// A limiter on a store of its own, as one process on its own database.
struct Solo {
  explicit Solo(FakeClock& clock, int64_t per_minute) : limiter(clock, per_minute, store) {}
  InMemoryStore store;
  RateLimiter limiter;
};

TEST(RateLimiterTest, AdmitsABurstOfNThenRejectsWithRetryAfter) {
  FakeClock clock;
  Solo solo(clock, 3);
  RateLimiter& limiter = solo.limiter;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
  Status rejected = limiter.Admit(kAlice);
  EXPECT_EQ(rejected.code(), StatusCode::kRateLimited);
  // One token every 20 s at 3 per minute.
  EXPECT_EQ(rejected.retry_after_seconds(), 20);
  EXPECT_FALSE(rejected.message().empty());
}

TEST(RateLimiterTest, CountsRefusalsOnly) {
  FakeClock clock;
  Solo solo(clock, 2);
  RateLimiter& limiter = solo.limiter;
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
  Solo solo(clock, 6000);
  RateLimiter& limiter = solo.limiter;  // a token every 10 ms
  for (int i = 0; i < 6000; ++i) ASSERT_TRUE(limiter.Admit(kAlice).ok());
  Status rejected = limiter.Admit(kAlice);
  ASSERT_EQ(rejected.code(), StatusCode::kRateLimited);
  EXPECT_EQ(rejected.retry_after_seconds(), 1);
}

TEST(RateLimiterTest, RetryingAfterRetryAfterSecondsSucceeds) {
  for (int64_t per_minute : {1, 2, 3, 7, 60}) {
    SCOPED_TRACE(per_minute);
    FakeClock clock;
    Solo solo(clock, per_minute);
    RateLimiter& limiter = solo.limiter;
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
  Solo solo(clock, 3);
  RateLimiter& limiter = solo.limiter;
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
  Solo solo(clock, 3);
  RateLimiter& limiter = solo.limiter;
  ASSERT_TRUE(limiter.Admit(kAlice).ok());
  clock.AdvanceMillis(3'600'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
  EXPECT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
}

TEST(RateLimiterTest, AccountsHaveSeparateBuckets) {
  FakeClock clock;
  Solo solo(clock, 2);
  RateLimiter& limiter = solo.limiter;
  ASSERT_TRUE(limiter.Admit(kAlice).ok());
  ASSERT_TRUE(limiter.Admit(kAlice).ok());
  ASSERT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
  EXPECT_TRUE(limiter.Admit(kBob).ok());
  EXPECT_TRUE(limiter.Admit(kBob).ok());
  EXPECT_EQ(limiter.Admit(kBob).code(), StatusCode::kRateLimited);
}

TEST(RateLimiterTest, ZeroPerMinuteIsUnlimited) {
  FakeClock clock;
  Solo solo(clock, 0);
  RateLimiter& limiter = solo.limiter;
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
}

TEST(RateLimiterTest, LimitersOnOneStoreShareOneBudget) {
  // Two nodes on one database: together they admit one burst of N, give or take a block each.
  FakeClock clock;
  InMemoryStore store;
  constexpr int64_t kPerMinute = 500;  // blocks of 10
  RateLimiter a(clock, kPerMinute, store);
  RateLimiter b(clock, kPerMinute, store);
  int64_t admitted = 0;
  for (int i = 0; i < 2000; ++i) {
    RateLimiter& node = i % 3 == 0 ? a : b;
    if (node.Admit(kAlice).ok()) ++admitted;
  }
  EXPECT_LE(admitted, kPerMinute);
  EXPECT_GE(admitted, kPerMinute - 2 * 10);
  EXPECT_EQ(a.refused() + b.refused(), 2000 - admitted);
  // Another account's budget is its own.
  EXPECT_TRUE(a.Admit(kBob).ok());
  // And both refill from the one bucket: 6 s at 500 a minute is 50 more, in all.
  clock.AdvanceMillis(6'000);
  int64_t refilled = 0;
  for (int i = 0; i < 200; ++i) {
    if ((i % 2 == 0 ? a : b).Admit(kAlice).ok()) ++refilled;
  }
  EXPECT_LE(refilled, 50 + 2 * 10);
  EXPECT_GE(refilled, 50 - 2 * 10);
}

TEST(RateLimiterTest, ThreadsOfOneProcessShareOneLease) {
  // However many threads find the block spent at once, one asks the store; the process never
  // holds more than one block of the shared budget unspent.
  FakeClock clock;
  InMemoryStore store;
  RateLimiter limiter(clock, 5000, store);  // blocks of 100
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.Admit(kAlice).ok()) admitted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 5000);  // the clock stands still: exactly the bucket
  // 50 blocks, and one lease that found the bucket empty: the refusals after it, until the
  // bucket has a token again, are answered without asking.
  EXPECT_EQ(limiter.leases(), 51);
  EXPECT_EQ(limiter.refused(), 3000);
}

TEST(RateLimiterTest, TheStoreIsAskedOncePerBlock) {
  FakeClock clock;
  Solo solo(clock, 6000);  // blocks of 120
  for (int i = 0; i < 1200; ++i) ASSERT_TRUE(solo.limiter.Admit(kAlice).ok());
  EXPECT_EQ(solo.limiter.leases(), 10);
}

TEST(RateLimiterTest, AStoreThatCannotBeReachedLeavesEachProcessItsOwnBucket) {
  store_test::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  FaultPlan faults;
  SqlStoreOptions options;
  options.path = dir.path() + "/rate.db";
  options.faults = &faults;
  auto store = SqlStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  FakeClock clock;
  RateLimiter limiter(clock, 3, **store);
  ASSERT_TRUE(limiter.Admit(kAlice).ok());  // from the store's bucket: 2 left there
  faults.FailAll();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(kAlice).ok()) << "request " << i;
  const Status refused = limiter.Admit(kAlice);
  EXPECT_EQ(refused.code(), StatusCode::kRateLimited);
  EXPECT_EQ(refused.retry_after_seconds(), 20);
  faults.Clear();
  // For a few seconds after a failure the process keeps to its own bucket, without asking.
  const int64_t leases = limiter.leases();
  EXPECT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
  EXPECT_EQ(limiter.leases(), leases);
  clock.AdvanceMillis(5'000);
  EXPECT_TRUE(limiter.Admit(kAlice).ok());  // the store's bucket again: it held 2 (and 1/4)
  EXPECT_TRUE(limiter.Admit(kAlice).ok());
  EXPECT_EQ(limiter.Admit(kAlice).code(), StatusCode::kRateLimited);
}

}  // namespace
}  // namespace memoryd
