// AuthFailures: a limit on failed authentications per client address. After `max_failures`
// failed attempts within one window, every further failed attempt from that address is answered
// kRateLimited (Retry-After: the rest of the window) instead of kUnauthenticated until the window
// has passed. A valid key is never refused: agents on one machine share 127.0.0.1, and one of
// them retrying with a stale key must not lock the others out. The table is bounded: addresses
// whose window has passed are dropped when it fills, and an address that finds it full of live
// windows is let through (the limit is a brake on guessing, not an outage).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"

namespace memoryd::http {

struct AuthFailureOptions {
  int64_t max_failures = 20;
  int64_t window_ms = 60'000;
  size_t max_addresses = 65'536;
};

class AuthFailures {
 public:
  AuthFailures(const Clock& clock, AuthFailureOptions options = {});
  // The outcome of an authentication attempt from `address` as the client sees it: a success or
  // any other error as is; a failure (kUnauthenticated) is recorded, and is kRateLimited once the
  // address is over its limit.
  Status Judge(const std::string& address, const Status& outcome);
  // kRateLimited while `address` is over its limit; Ok otherwise.
  Status Check(const std::string& address);
  // Records a failed attempt from `address`.
  void RecordFailure(const std::string& address);
  // How many attempts Judge has answered kRateLimited since the start.
  int64_t throttled() const { return throttled_.load(std::memory_order_relaxed); }

 private:
  struct Window {
    int64_t start_ms = 0;
    int64_t failures = 0;
  };
  void DropExpiredLocked(int64_t now);
  int64_t last_sweep_ms_ = 0;  // guarded by mu_; a full table is swept at most once a second

  const Clock& clock_;
  const AuthFailureOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;  // guarded by mu_
  std::atomic<int64_t> throttled_{0};
};

}  // namespace memoryd::http
