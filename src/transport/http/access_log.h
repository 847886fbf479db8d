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

// `text` as one token of a log line: bytes outside printable ASCII (spaces and control
// characters included) become '?', and past `max_bytes` it is cut and ends with "...". An empty
// text is "-". For client-chosen words such as an MCP tool name.
std::string SafeLogToken(std::string_view text, size_t max_bytes = 64);

class AccessLog {
 public:
  // enabled == false makes Record a no-op.
  explicit AccessLog(bool enabled);
  ~AccessLog();  // flushes what is pending

  // `detail` (may be empty) is written after the path: e.g. an MCP request's method and tool.
  void Record(std::string_view remote, std::string_view method, std::string_view path,
              std::string_view detail, int status, size_t bytes, int64_t micros);
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
