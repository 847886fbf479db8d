#include "cli/progress_meter.h"

#include <unistd.h>

namespace memoryd::cli {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(200);

}  // namespace

ProgressMeter::ProgressMeter(FILE* out, std::string what, int64_t total)
    : out_(out), what_(std::move(what)), total_(total), live_(::isatty(::fileno(out)) == 1) {}

void ProgressMeter::Update(int64_t done) {
  if (!live_) return;
  const auto now = Clock::now();
  if (drawn_ && now - last_draw_ < kRedrawEvery && done < total_) return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  // \r and "erase to end of line": the line is redrawn in place.
  std::fprintf(out_, "\r%lld/%lld %s (%.0f/s, %.0f s left)\x1b[K", static_cast<long long>(done),
               static_cast<long long>(total_), what_.c_str(), rate, left);
  std::fflush(out_);
}

void ProgressMeter::Finish() {
  if (!live_ || !drawn_) return;
  std::fprintf(out_, "\r\x1b[K");
  std::fflush(out_);
}

}  // namespace memoryd::cli
