// FaultPlan: makes a backend's database connections fail on purpose, as a database that went away
// or a disk that errs would, so tests can drive the error paths of everything above the store.
//
// It sits at the connection (SqlStoreOptions::faults): every statement the store prepares (each
// time it asks for it: a statement run in a loop after one Prepare is checked once) and every
// Exec asks Check first, and a failed statement never reaches the database. So a fault in the
// middle of a write transaction rolls the whole transaction back, exactly as a real failure does,
// and no backend method needs forwarding by hand.
//
// Rules (any one failing a statement fails it):
// - FailAll: every statement, until Clear (the database is down);
// - FailNthFromNow(n): the nth statement from now, once;
// - FailMatching(fragment): statements whose SQL text contains `fragment`.
//
// Thread-safety: every method may be called from any thread, while connections run statements.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace memoryd {

class FaultPlan {
 public:
  void FailAll();
  void FailNthFromNow(int64_t n);
  void FailMatching(std::string fragment);
  // Drops every rule; the counts keep running.
  void Clear();

  // Ok, or kInternal("injected fault: <sql>") when a rule fails this statement.
  Status Check(std::string_view sql);

  // Statements checked so far, failed ones included.
  int64_t statements() const { return statements_.load(); }
  // Statements failed on purpose so far.
  int64_t injected() const { return injected_.load(); }

 private:
  bool ShouldFail(std::string_view sql, int64_t number);

  std::atomic<int64_t> statements_{0};
  std::atomic<int64_t> injected_{0};
  std::atomic<bool> armed_{false};  // any rule set: the fast path skips the lock when not
  std::mutex mu_;
  bool fail_all_ = false;
  int64_t fail_at_ = 0;  // the statement number to fail; 0: none
  std::vector<std::string> fragments_;
};

}  // namespace memoryd
