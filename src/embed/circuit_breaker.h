// CircuitBreaker: stops calling something that keeps failing, and finds out by itself when it
// works again.
//
// Closed: every call goes out. After `failure_threshold` failures in a row the breaker opens:
// no call goes out until the back-off has passed; then exactly one caller (the probe) is let
// through and the breaker is half-open until that caller reports. A success closes it; a failure
// opens it again with the back-off doubled, up to `max_backoff` (failures of calls that went out
// before the breaker opened change nothing once it is open). A failure that retrying cannot
// cure opens it at once for the longest back-off (`RecordFailure(now, /*lasting=*/true)`).
//
// Thread-safety: none; the owner serialises calls.
#pragma once

#include <cstdint>

namespace memoryd {

struct BreakerOptions {
  int failure_threshold = 3;
  int64_t initial_backoff_ms = 1000;
  int64_t max_backoff_ms = 30000;
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };

class CircuitBreaker {
 public:
  explicit CircuitBreaker(BreakerOptions options = {}) : options_(options) {}

  // Whether a call may go out at `now_ms`. An open breaker whose back-off has passed lets this
  // caller through as the probe and becomes half-open.
  bool Allow(int64_t now_ms);
  // Whether Allow(now_ms) would let a call out, without claiming the probe.
  bool WouldAllow(int64_t now_ms) const;
  // Report the outcome of a call that Allow() let out. Returns true when the state changed.
  bool RecordSuccess();
  bool RecordFailure(int64_t now_ms, bool lasting = false);

  BreakerState state() const { return state_; }
  // Failures since the last success.
  int64_t failures() const { return failures_; }
  // When an open breaker lets its probe through.
  int64_t retry_at_ms() const { return retry_at_ms_; }

 private:
  const BreakerOptions options_;
  BreakerState state_ = BreakerState::kClosed;
  int64_t failures_ = 0;
  int64_t backoff_ms_ = 0;
  int64_t retry_at_ms_ = 0;
};

}  // namespace memoryd
