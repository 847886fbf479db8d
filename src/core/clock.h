// Clock: the one seam through which memoryd reads the time. The system clock is the real
// implementation; FakeClock lets tests move time (TTL expiry, rate-limit refill) deterministically.
//
// Thread-safety: all implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace memoryd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch. Never fails.
  virtual int64_t NowMillis() const = 0;
  // Monotonic time in microseconds from an arbitrary origin, for durations. Never fails.
  virtual int64_t MonotonicMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  int64_t MonotonicMicros() const override;
};

// A clock that only moves when told to. Both readings advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_millis = 1'700'000'000'000) : now_millis_(now_millis) {}
  int64_t NowMillis() const override { return now_millis_.load(); }
  int64_t MonotonicMicros() const override { return now_millis_.load() * 1000; }
  void AdvanceMillis(int64_t delta) { now_millis_.fetch_add(delta); }
  void SetMillis(int64_t now) { now_millis_.store(now); }

 private:
  std::atomic<int64_t> now_millis_;
};

}  // namespace memoryd
