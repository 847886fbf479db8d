// RepeatLimiter: keeps a failure that repeats from flooding the log. A message is let through
// the first time; the same message again only once per interval, saying how often it was held
// back. A different message is let through at once.
//
// Thread-safety: Filter may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace memoryd {

class RepeatLimiter {
 public:
  explicit RepeatLimiter(int64_t interval_ms) : interval_ms_(interval_ms) {}
  // The line to log for `message` at `now_ms`, or an empty string for none.
  std::string Filter(const std::string& message, int64_t now_ms);

 private:
  const int64_t interval_ms_;
  std::mutex mu_;
  std::string last_;          // guarded by mu_
  int64_t last_emit_ms_ = 0;  // guarded by mu_
  int64_t held_back_ = 0;     // guarded by mu_
};

}  // namespace memoryd
