#include "embed/circuit_breaker.h"

#include <algorithm>

namespace memoryd {

bool CircuitBreaker::WouldAllow(int64_t now_ms) const {
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      return now_ms >= retry_at_ms_;
    case BreakerState::kHalfOpen:
      return false;
  }
  return false;
}

bool CircuitBreaker::Allow(int64_t now_ms) {
  if (!WouldAllow(now_ms)) return false;
  if (state_ == BreakerState::kOpen) state_ = BreakerState::kHalfOpen;
  return true;
}

bool CircuitBreaker::RecordSuccess() {
  const bool changed = state_ != BreakerState::kClosed || failures_ > 0;
  state_ = BreakerState::kClosed;
  failures_ = 0;
  backoff_ms_ = 0;
  return changed;
}

bool CircuitBreaker::RecordFailure(int64_t now_ms, bool lasting) {
  ++failures_;
  const BreakerState before = state_;
  if (lasting) {
    backoff_ms_ = options_.max_backoff_ms;
  } else if (state_ == BreakerState::kClosed) {
    if (failures_ < options_.failure_threshold) return false;
    backoff_ms_ = options_.initial_backoff_ms;
  } else if (state_ == BreakerState::kOpen) {
    return false;  // a call that went out before the breaker opened: the back-off stands
  } else {
    backoff_ms_ = std::min(std::max<int64_t>(backoff_ms_, 1) * 2, options_.max_backoff_ms);
  }
  state_ = BreakerState::kOpen;
  retry_at_ms_ = now_ms + backoff_ms_;
  return before != state_;
}

}  // namespace memoryd
