#include "metrics/histogram.h"

#include <cmath>

namespace memoryd::metrics {
namespace {

// 100 µs .. 10 s: fine enough below a millisecond for keyed reads, coarse above a second for
// requests that wait on an embedding endpoint.
constexpr double kLatencyBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
// A write batch holds at most 512 operations (write_batcher.cc).
constexpr double kSizeBounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

}  // namespace

std::span<const double> LatencyBuckets() { return kLatencyBounds; }
std::span<const double> SizeBuckets() { return kSizeBounds; }

Histogram::Histogram(std::span<const double> bounds, double unit)
    : bounds_(bounds.begin(), bounds.end()),
      unit_(unit),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {
  unit_bounds_.reserve(bounds_.size());
  for (double b : bounds_) unit_bounds_.push_back(std::llround(b / unit_));
}

size_t Histogram::BucketOf(int64_t units) const {
  size_t i = 0;
  while (i < unit_bounds_.size() && units > unit_bounds_[i]) ++i;
  return i;
}

void Histogram::Observe(double value) { ObserveUnits(std::llround(value / unit_)); }

void Histogram::ObserveUnits(int64_t units) {
  buckets_[BucketOf(units)].fetch_add(1, std::memory_order_relaxed);
  sum_units_.fetch_add(units, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::Snapshot() const {
  HistogramSnapshot out;
  out.bounds = bounds_;
  out.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  // Divided by the (rounded, so exact) units per whole rather than multiplied by the unit:
  // 7200200000 ns then reads 7.2002, not 7.200200000000001.
  out.sum =
      static_cast<double>(sum_units_.load(std::memory_order_relaxed)) / std::round(1.0 / unit_);
  return out;
}

}  // namespace memoryd::metrics
