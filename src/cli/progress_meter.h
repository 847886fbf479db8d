// ProgressMeter: a live progress line on a terminal for long commands (`memoryd import`):
// count, rate and time left, redrawn at most a few times a second. Writes nothing when its
// stream is not a terminal, so logs and pipes get only the command's summary line.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace memoryd::cli {

class ProgressMeter {
 public:
  // `what` names the items ("memories"); `total` is how many are expected.
  ProgressMeter(FILE* out, std::string what, int64_t total);
  // Redraws the line if enough time has passed since the last one.
  void Update(int64_t done);
  // Clears the line (before the summary is printed).
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  FILE* const out_;
  const std::string what_;
  const int64_t total_;
  const bool live_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace memoryd::cli
