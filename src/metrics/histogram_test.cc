#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace memoryd::metrics {
namespace {

constexpr double kBounds[] = {0.001, 0.01, 0.1};
constexpr double kNanos = 1e-9;

TEST(HistogramTest, BucketsAreCumulativeAndBoundsInclusive) {
  Histogram h(kBounds, kNanos);
  h.Observe(0.0005);  // first bucket
  h.Observe(0.001);   // on the bound: still the first (le means <=)
  h.Observe(0.05);    // third
  h.Observe(3.0);     // only +Inf
  const HistogramSnapshot s = h.Snapshot();
  ASSERT_EQ(s.bounds.size(), 3u);
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 2, 3, 4}));
  EXPECT_EQ(s.count(), 4u);
  EXPECT_NEAR(s.sum, 0.0005 + 0.001 + 0.05 + 3.0, 1e-9);
}

TEST(HistogramTest, ObserveUnitsMatchesObserve) {
  Histogram a(kBounds, kNanos);
  Histogram b(kBounds, kNanos);
  a.Observe(0.002);
  b.ObserveUnits(2'000'000);
  EXPECT_EQ(a.Snapshot().cumulative, b.Snapshot().cumulative);
  EXPECT_DOUBLE_EQ(a.Snapshot().sum, b.Snapshot().sum);
}

TEST(HistogramTest, EmptyHistogramCountsNothing) {
  Histogram h(SizeBuckets(), 1);
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.cumulative.size(), SizeBuckets().size() + 1);
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.sum, 0);
}

TEST(HistogramTest, StandardBucketsAscend) {
  for (auto bounds : {LatencyBuckets(), SizeBuckets()}) {
    for (size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
  }
  EXPECT_DOUBLE_EQ(LatencyBuckets().front(), 0.0001);
  EXPECT_DOUBLE_EQ(LatencyBuckets().back(), 10);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h(SizeBuckets(), 1);
  constexpr int kThreads = 4;
  constexpr int kObservations = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kObservations; ++i) h.ObserveUnits(t + 1);
    });
  }
  for (auto& t : threads) t.join();
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.count(), uint64_t{kThreads} * kObservations);
  EXPECT_DOUBLE_EQ(s.sum, double{kObservations} * (1 + 2 + 3 + 4));
  EXPECT_EQ(s.cumulative[0], uint64_t{kObservations});  // le="1": thread 0's ones
}

}  // namespace
}  // namespace memoryd::metrics
