// RateLimiter: one token bucket per account. A bucket holds up to N tokens and refills at N per
// minute, so an account may make N requests in a burst and N a minute sustained.
//
// Thread-safety: Admit may be called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "model/memory.h"

namespace memoryd {

class RateLimiter {
 public:
  // per_minute == 0 disables limiting.
  RateLimiter(const Clock& clock, int64_t per_minute) : clock_(clock), per_minute_(per_minute) {}

  // Takes one token from the account's bucket. Returns kRateLimited, with the whole seconds
  // until a token is available (at least 1), when the bucket is empty.
  Status Admit(AccountId account);
  // How many requests Admit has refused since the start.
  int64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_micros = 0;
  };
  const Clock& clock_;
  const int64_t per_minute_;
  std::mutex mu_;
  std::unordered_map<AccountId, Bucket> buckets_;
  std::atomic<int64_t> refused_{0};
};

}  // namespace memoryd
