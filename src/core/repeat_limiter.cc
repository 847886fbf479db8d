#include "core/repeat_limiter.h"

namespace memoryd {

std::string RepeatLimiter::Filter(const std::string& message, int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (message != last_) {
    last_ = message;
    last_emit_ms_ = now_ms;
    held_back_ = 0;
    return message;
  }
  if (now_ms - last_emit_ms_ < interval_ms_) {
    ++held_back_;
    return "";
  }
  std::string line = message + " (" + std::to_string(held_back_ + 1) + " times in the last " +
                     std::to_string((now_ms - last_emit_ms_ + 500) / 1000) + " s)";
  last_emit_ms_ = now_ms;
  held_back_ = 0;
  return line;
}

}  // namespace memoryd
