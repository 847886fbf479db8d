#include "service/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "store/store_rules.h"

namespace memoryd {

int64_t RateLimiter::Block() const { return std::max<int64_t>(1, per_minute_ / 50); }

Status RateLimiter::Refuse(double wait_seconds) {
  refused_.fetch_add(1, std::memory_order_relaxed);
  const auto retry_after = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_seconds)));
  return Status::RateLimited(
      "rate limit exceeded: " + std::to_string(per_minute_) + " requests per minute per account",
      retry_after);
}

Status RateLimiter::AdmitLocally(Account& account) {
  const int64_t now = clock_.MonotonicMicros();
  if (!account.local_started) {
    account.local = RateBucket{static_cast<double>(per_minute_), now};
    account.local_started = true;
  }
  const RateLease lease = store_rules::TakeRateTokens(account.local, 1, per_minute_, now);
  return lease.granted > 0 ? Status::Ok() : Refuse(lease.wait_seconds);
}

namespace {

// How long a process keeps to its own bucket after the store failed to lease.
constexpr int64_t kStoreRetryMicros = 5'000'000;

}  // namespace

Status RateLimiter::Admit(AccountId account) {
  if (per_minute_ <= 0) return Status::Ok();
  std::unique_lock lock(mu_);
  Account& a = accounts_[account];  // references into the map stay valid as it grows
  // One lease per account at a time: the others wait for its block rather than lease their own.
  leased_.wait(lock, [&] { return !a.leasing; });
  if (a.leased > 0) {
    --a.leased;
    return Status::Ok();
  }
  const int64_t now = clock_.MonotonicMicros();
  if (now < a.empty_until) return Refuse(static_cast<double>(a.empty_until - now) / 1e6);
  if (now < store_down_until_) return AdmitLocally(a);
  // Out of tokens here: lease the next block without holding the lock (the store may take a
  // round trip; other accounts must not wait for it).
  a.leasing = true;
  lock.unlock();
  auto lease = store_.LeaseRateTokens(account, Block(), per_minute_, clock_.NowMillis() * 1000);
  lock.lock();
  a.leasing = false;
  leased_.notify_all();
  if (!lease.ok()) {
    store_down_until_ = clock_.MonotonicMicros() + kStoreRetryMicros;
    return AdmitLocally(a);
  }
  leases_.fetch_add(1, std::memory_order_relaxed);
  a.leased += lease->granted;
  if (a.leased > 0) {
    --a.leased;
    return Status::Ok();
  }
  a.empty_until = clock_.MonotonicMicros() + static_cast<int64_t>(lease->wait_seconds * 1e6);
  return Refuse(lease->wait_seconds);
}

}  // namespace memoryd
