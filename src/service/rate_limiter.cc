#include "service/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace memoryd {

Status RateLimiter::Admit(AccountId account) {
  if (per_minute_ <= 0) return Status::Ok();
  const auto capacity = static_cast<double>(per_minute_);
  const double per_micro = capacity / 60e6;
  const int64_t now = clock_.MonotonicMicros();
  std::lock_guard lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(account, Bucket{capacity, now});
  Bucket& b = it->second;
  b.tokens = std::min(capacity, b.tokens + static_cast<double>(now - b.updated_micros) * per_micro);
  b.updated_micros = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return Status::Ok();
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  const double wait_seconds = (1.0 - b.tokens) / per_micro / 1e6;
  const auto retry_after = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_seconds)));
  return Status::RateLimited(
      "rate limit exceeded: " + std::to_string(per_minute_) + " requests per minute per account",
      retry_after);
}

}  // namespace memoryd
