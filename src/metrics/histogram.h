// Histogram: observations counted into fixed buckets, for the Prometheus histogram type
// (`_bucket{le=...}`, `_sum`, `_count`).
//
// The bucket bounds are fixed at construction. Observe is a short scan of the bounds and two
// relaxed atomic adds (the bucket and the sum): no lock and no allocation. The sum is kept in
// integer units of `unit` (e.g. nanoseconds for a histogram of seconds), so it is exact and
// needs no floating-point compare-and-swap loop.
//
// Thread-safety: every method may be called from any thread. A snapshot taken while others
// observe may be a few observations behind for some buckets; it is always cumulative.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace memoryd::metrics {

// Latency bounds in seconds, from 100 µs to 10 s, about three per decade.
std::span<const double> LatencyBuckets();
// Bounds for counts of items (1, 2, 4, ... 512).
std::span<const double> SizeBuckets();

struct HistogramSnapshot {
  std::vector<double> bounds;  // upper bounds, ascending; +Inf is implied after the last
  std::vector<uint64_t>
      cumulative;  // bounds.size() + 1 counts: observations <= each bound, then all
  double sum = 0;
  uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

class Histogram {
 public:
  // `bounds` ascending. Sums are kept in multiples of `unit` (observations are rounded to it).
  Histogram(std::span<const double> bounds, double unit);

  // Records one observation of `value` (in the histogram's units, e.g. seconds).
  void Observe(double value);
  // Records one observation given in multiples of `unit` (e.g. nanoseconds): the hot path's
  // form, which converts nothing but the bucket bound it compares with.
  void ObserveUnits(int64_t units);
  HistogramSnapshot Snapshot() const;

 private:
  size_t BucketOf(int64_t units) const;

  const std::vector<double> bounds_;
  std::vector<int64_t> unit_bounds_;  // bounds_ in multiples of unit_ (rounded down)
  const double unit_;
  // One per bound plus +Inf; not cumulative (Snapshot adds them up).
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<int64_t> sum_units_{0};
};

}  // namespace memoryd::metrics
