// RateLimiter: one token bucket per account, shared by every process on the store. A bucket holds
// up to N tokens and refills at N per minute, so an account may make N requests in a burst and N a
// minute sustained, whichever node and surface they reach.
//
// The buckets live in the store (Store::LeaseRateTokens), but a request does not go there: each
// process leases a block of N/50 tokens (at least 1) at a time and spends it locally, so the store
// is asked once per block. Tokens leased are spent from the shared budget, so the processes
// together never admit more than N in a burst plus one block each (one lease per account is in
// flight at a time); a block not yet spent is held back from the other processes meanwhile. A
// lease that finds the shared bucket empty says when it will hold a token again, and until then
// requests are refused without asking.
// When the store cannot be reached, each process keeps its own bucket of N, and asks the store
// again a few seconds later.
//
// Thread-safety: Admit may be called concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "model/memory.h"
#include "store/store.h"

namespace memoryd {

class RateLimiter {
 public:
  // per_minute == 0 disables limiting. `store` holds the shared buckets (it must outlive the
  // limiter).
  RateLimiter(const Clock& clock, int64_t per_minute, Store& store)
      : clock_(clock), per_minute_(per_minute), store_(store) {}

  // Takes one token for the account. Returns kRateLimited, with the whole seconds until a token
  // is available (at least 1), when there is none.
  Status Admit(AccountId account);
  // How many requests Admit has refused since the start.
  int64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  // How many leases this process has taken from the store since the start.
  int64_t leases() const { return leases_.load(std::memory_order_relaxed); }

 private:
  struct Account {
    int64_t leased = 0;       // tokens leased from the shared bucket, not yet spent
    bool leasing = false;     // a thread is asking the store for the next block
    int64_t empty_until = 0;  // monotonic micros: the shared bucket has no token before then
    RateBucket local;         // the fallback while the store cannot be reached
    bool local_started = false;
  };
  int64_t Block() const;
  Status Refuse(double wait_seconds);
  // The fallback bucket. REQUIRES: mu_ held.
  Status AdmitLocally(Account& account);

  const Clock& clock_;
  const int64_t per_minute_;
  Store& store_;
  std::mutex mu_;
  std::unordered_map<AccountId, Account> accounts_;  // GUARDED_BY(mu_)
  std::condition_variable leased_;                   // a lease ended
  int64_t store_down_until_ = 0;                     // monotonic micros; GUARDED_BY(mu_)
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> leases_{0};
};

}  // namespace memoryd
