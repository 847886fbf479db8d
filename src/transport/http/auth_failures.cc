#include "transport/http/auth_failures.h"

#include <algorithm>

namespace memoryd::http {

AuthFailures::AuthFailures(const Clock& clock, AuthFailureOptions options)
    : clock_(clock), options_(options) {}

Status AuthFailures::Judge(const std::string& address, const Status& outcome) {
  if (outcome.code() != StatusCode::kUnauthenticated) return outcome;
  Status over = Check(address);
  RecordFailure(address);
  if (over.ok()) return outcome;
  throttled_.fetch_add(1, std::memory_order_relaxed);
  return over;
}

Status AuthFailures::Check(const std::string& address) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = windows_.find(address);
  if (it == windows_.end()) return Status::Ok();
  const Window& w = it->second;
  if (now - w.start_ms >= options_.window_ms) {
    windows_.erase(it);
    return Status::Ok();
  }
  if (w.failures < options_.max_failures) return Status::Ok();
  const int64_t wait_ms = w.start_ms + options_.window_ms - now;
  return Status::RateLimited("too many failed authentications from this address; try again later",
                             std::max<int64_t>(1, (wait_ms + 999) / 1000));
}

void AuthFailures::RecordFailure(const std::string& address) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = windows_.find(address);
  if (it == windows_.end()) {
    if (windows_.size() >= options_.max_addresses) DropExpiredLocked(now);
    if (windows_.size() >= options_.max_addresses) return;
    it = windows_.emplace(address, Window{now, 0}).first;
  } else if (now - it->second.start_ms >= options_.window_ms) {
    it->second = Window{now, 0};
  }
  ++it->second.failures;
}

void AuthFailures::DropExpiredLocked(int64_t now) {
  if (now - last_sweep_ms_ < 1000) return;
  last_sweep_ms_ = now;
  std::erase_if(windows_, [&](const auto& entry) {
    return now - entry.second.start_ms >= options_.window_ms;
  });
}

}  // namespace memoryd::http
