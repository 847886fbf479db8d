#include "transport/http/access_log.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/time_format.h"

namespace memoryd::http {
namespace {

constexpr size_t kMaxPendingBytes = 4 << 20;  // past this, lines are dropped rather than queued
constexpr auto kFlushInterval = std::chrono::milliseconds(200);

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void WriteAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, data.data(), data.size());
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void AppendInt(std::string& out, int64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

// Microseconds as milliseconds with three decimals ("1.234"), as printf's "%.3f" of micros / 1000
// prints them.
void AppendMillis(std::string& out, int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  AppendInt(out, micros / 1000);
  const auto frac = static_cast<int>(micros % 1000);
  const char decimals[] = {'.', static_cast<char>('0' + frac / 100),
                           static_cast<char>('0' + frac / 10 % 10),
                           static_cast<char>('0' + frac % 10)};
  out.append(decimals, sizeof(decimals));
}

}  // namespace

std::string SafeLogToken(std::string_view text, size_t max_bytes) {
  if (text.empty()) return "-";
  constexpr std::string_view kCut = "...";
  const bool cut = text.size() > max_bytes;
  std::string out(text.substr(0, cut ? max_bytes : text.size()));
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= ' ' || byte > '~') c = '?';
  }
  if (cut) out += kCut;
  return out;
}

AccessLog::AccessLog(bool enabled) : enabled_(enabled) {
  if (enabled_) thread_ = std::thread([this] { Run(); });
}

AccessLog::~AccessLog() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void AccessLog::Record(std::string_view remote, std::string_view method, std::string_view path,
                       std::string_view detail, int status, size_t bytes, int64_t micros) {
  if (!enabled_) return;
  // One buffer per thread, reused: formatting a line allocates nothing once it has grown.
  thread_local std::string line;
  line.clear();
  line.append(FormatIsoMillis(NowMillis())).append(" ").append(remote).append(" ");
  line.append(method).append(" ").append(path).append(" ");
  if (!detail.empty()) line.append(detail).append(" ");
  AppendInt(line, status);
  line.append(" ");
  AppendInt(line, static_cast<int64_t>(bytes));
  line.append("B ");
  AppendMillis(line, micros);
  line.append("ms\n");
  std::lock_guard lock(mu_);
  if (pending_.size() + line.size() <= kMaxPendingBytes) pending_ += line;
}

void AccessLog::Flush() {
  if (!enabled_) return;
  std::lock_guard write_lock(flush_mu_);
  std::string batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  WriteAll(batch);
}

void AccessLog::Run() {
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kFlushInterval, [this] { return stop_; });
      stopping = stop_;
    }
    Flush();
    if (stopping) return;
  }
}

}  // namespace memoryd::http
