// Counter: a monotonically increasing count, for the Prometheus `_total` series.
//
// Counting is one relaxed atomic add: no lock, no allocation, no ordering with other memory
// (a scrape may see one counter a moment ahead of another; Prometheus expects no more).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace memoryd::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace memoryd::metrics
