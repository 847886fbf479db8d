// AccessLog: one line per request on stderr, written by a background thread so that request
// threads never block on the terminal or a pipe.
//
// Thread-safety: Record may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace memoryd::http {

class AccessLog {
 public:
  // enabled == false makes Record a no-op.
  explicit AccessLog(bool enabled);
  ~AccessLog();  // flushes what is pending

  void Record(std::string_view remote, std::string_view method, std::string_view path, int status,
              size_t bytes, int64_t micros);
  // Writes everything recorded so far before returning.
  void Flush();

 private:
  void Run();

  const bool enabled_;
  std::mutex mu_;        // guards pending_ and stop_
  std::mutex flush_mu_;  // keeps batches in order on stderr
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace memoryd::http
