// HttpClient: a small blocking HTTP(S) client over libcurl, for calling model endpoints such as
// OpenAI-compatible /v1/embeddings. It only POSTs; it never follows redirects and allows only the
// http and https schemes.
//
// Connections are reused: each call borrows a curl easy handle from a small pool, and a returned
// handle keeps its open connections and TLS sessions for the next call.
//
// Thread-safety: Post may be called concurrently from any thread (each call has its own handle).
// libcurl's process-wide initialisation runs once, thread-safely, on first construction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace memoryd {

struct HttpResponse {
  long status = 0;  // HTTP status code
  std::string body;
  // From a "Retry-After: <seconds>" header, when present in that form.
  std::optional<int64_t> retry_after_seconds;
};

struct HttpClientOptions {
  // Idle handles (and their connections) kept for reuse.
  size_t max_idle_handles = 4;
  // A larger response body is refused (guards memory against a misbehaving server).
  size_t max_response_bytes = size_t{128} << 20;
  // Upper bound on the time to establish a connection, within each call's timeout.
  std::chrono::milliseconds max_connect_timeout{10000};
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url` with extra `headers` ("Name: value"), giving up after `timeout`, or
  // within about a second of `*cancel` becoming true (when `cancel` is not null).
  // Returns the response whatever its HTTP status. Returns kDeadlineExceeded when the call timed
  // out; kUnavailable when the server cannot be reached, the connection breaks or the call was
  // cancelled; kTooLarge when the response exceeds max_response_bytes; kInternal when libcurl
  // cannot be set up.
  Result<HttpResponse> Post(const std::string& url, const std::vector<std::string>& headers,
                            const std::string& body, std::chrono::milliseconds timeout,
                            const std::atomic<bool>* cancel = nullptr);

 private:
  struct CurlDeleter {
    void operator()(void* handle) const;
  };
  using Handle = std::unique_ptr<void, CurlDeleter>;

  Handle Acquire();
  void Release(Handle handle);

  const HttpClientOptions options_;
  const bool curl_ready_;
  std::mutex mu_;
  std::vector<Handle> idle_;  // guarded by mu_
};

}  // namespace memoryd
