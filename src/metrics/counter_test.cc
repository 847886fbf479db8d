#include "metrics/counter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace memoryd::metrics {
namespace {

TEST(CounterTest, StartsAtZeroAndAdds) {
  Counter c;
  EXPECT_EQ(c.Value(), 0u);
  c.Add();
  c.Add(41);
  EXPECT_EQ(c.Value(), 42u);
}

TEST(CounterTest, ConcurrentAddsAreAllCounted) {
  Counter c;
  constexpr int kThreads = 4;
  constexpr int kAdds = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) c.Add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), uint64_t{kThreads} * kAdds);
}

}  // namespace
}  // namespace memoryd::metrics
