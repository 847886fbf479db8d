#include "core/repeat_limiter.h"

#include <gtest/gtest.h>

namespace memoryd {
namespace {

TEST(RepeatLimiterTest, LetsAMessageThroughOnceThenSummarisesRepeatsPerInterval) {
  RepeatLimiter limiter(60'000);
  EXPECT_EQ(limiter.Filter("disk full", 0), "disk full");
  int let_through = 0;
  for (int64_t t = 1; t < 60'000; t += 10)
    let_through += limiter.Filter("disk full", t).empty() ? 0 : 1;
  EXPECT_EQ(let_through, 0);
  const std::string summary = limiter.Filter("disk full", 60'000);
  EXPECT_EQ(summary, "disk full (6001 times in the last 60 s)");
}

TEST(RepeatLimiterTest, ADifferentMessageGoesThroughAtOnce) {
  RepeatLimiter limiter(60'000);
  EXPECT_EQ(limiter.Filter("a", 0), "a");
  EXPECT_EQ(limiter.Filter("a", 1), "");
  EXPECT_EQ(limiter.Filter("b", 2), "b");
  EXPECT_EQ(limiter.Filter("a", 3), "a");
}

}  // namespace
}  // namespace memoryd
