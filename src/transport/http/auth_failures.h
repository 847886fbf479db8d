// AuthFailures: a limit on failed authentications per client address. After `max_failures`
// failed attempts within one window, every further attempt from that address is refused with
// kRateLimited (Retry-After: the rest of the window) until the window has passed, so keys cannot
// be guessed at line rate. Valid keys never count. The table is bounded: addresses whose window
// has passed are dropped when it fills, and an address that finds it full of live windows is
// let through (the limit is a brake on guessing, not an outage).
//
// Thread-safety: every method may be called from any thread.
#pragma once

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
  // kRateLimited while `address` is over its limit; Ok otherwise.
  Status Check(const std::string& address);
  // Records a failed attempt from `address`.
  void RecordFailure(const std::string& address);

 private:
  struct Window {
    int64_t start_ms = 0;
    int64_t failures = 0;
  };
  void DropExpiredLocked(int64_t now);

  const Clock& clock_;
  const AuthFailureOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;  // guarded by mu_
};

}  // namespace memoryd::http
