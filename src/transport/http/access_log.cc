#include "transport/http/access_log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

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

}  // namespace

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
                       int status, size_t bytes, int64_t micros) {
  if (!enabled_) return;
  char tail[96];
  std::snprintf(tail, sizeof(tail), " %d %zuB %.3fms\n", status, bytes,
                static_cast<double>(micros) / 1000.0);
  std::string line = FormatIsoMillis(NowMillis());
  line.append(" ").append(remote).append(" ").append(method).append(" ").append(path).append(tail);
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
