#include "core/clock.h"

#include <chrono>

namespace memoryd {

int64_t SystemClock::NowMillis() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::MonotonicMicros() const {
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  return duration_cast<microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace memoryd
