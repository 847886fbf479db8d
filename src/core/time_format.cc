#include "core/time_format.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace memoryd {
namespace {

bool ReadInt(std::string_view text, size_t pos, size_t len, int* out) {
  if (pos + len > text.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  auto res = std::from_chars(text.data() + pos, text.data() + pos + len, *out);
  return res.ec == std::errc();
}

// Writes `value` as `width` decimal digits ending at out[pos + width - 1].
void PutDigits(std::string& out, size_t pos, size_t width, unsigned value) {
  for (size_t i = width; i > 0; --i) {
    out[pos + i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string FormatIsoMillis(int64_t epoch_millis) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{epoch_millis}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  const int year = static_cast<int>(ymd.year());
  const auto month = static_cast<unsigned>(ymd.month());
  const auto mday = static_cast<unsigned>(ymd.day());
  const auto hour = static_cast<unsigned>(hms.hours().count());
  const auto minute = static_cast<unsigned>(hms.minutes().count());
  const auto second = static_cast<unsigned>(hms.seconds().count());
  const auto millis = static_cast<unsigned>(hms.subseconds().count());
  if (year < 0 || year > 9999) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", year, month, mday, hour,
                  minute, second, millis);
    return buf;
  }
  // Digits by hand: this runs several times per request, and snprintf costs ten times more.
  std::string out = "0000-00-00T00:00:00.000Z";
  PutDigits(out, 0, 4, static_cast<unsigned>(year));
  PutDigits(out, 5, 2, month);
  PutDigits(out, 8, 2, mday);
  PutDigits(out, 11, 2, hour);
  PutDigits(out, 14, 2, minute);
  PutDigits(out, 17, 2, second);
  PutDigits(out, 20, 3, millis);
  return out;
}

std::optional<int64_t> ParseIsoMillis(std::string_view text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!ReadInt(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      !ReadInt(text, 5, 2, &mo) || !ReadInt(text, 8, 2, &d)) {
    return std::nullopt;
  }
  size_t pos = 10;
  if (text.size() > 10) {
    if (text.size() < 20 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
        text[16] != ':' || !ReadInt(text, 11, 2, &h) || !ReadInt(text, 14, 2, &mi) ||
        !ReadInt(text, 17, 2, &s)) {
      return std::nullopt;
    }
    pos = 19;
    if (text[pos] == '.') {
      size_t start = ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      const size_t digits = pos - start;
      if (digits == 0) return std::nullopt;
      int frac = 0;
      if (!ReadInt(text, start, std::min<size_t>(digits, 3), &frac)) return std::nullopt;
      for (size_t i = digits; i < 3; ++i) frac *= 10;
      ms = frac;
    }
    if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
  return tp.time_since_epoch().count();
}

}  // namespace memoryd
