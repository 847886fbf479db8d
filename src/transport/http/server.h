// HttpServer: an asynchronous HTTP/1.1 server (Boost.Beast) with keep-alive, timeouts against
// slow clients, a request body limit and graceful shutdown. It parses requests into HttpRequest
// values and hands them to a RequestHandler; it knows nothing of routes.
//
// Thread-safety: Start, Stop and Wait are called from one controlling thread; requests are served
// on `threads` I/O threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "transport/http/access_log.h"
#include "transport/http/http_types.h"
#include "transport/http/request_observer.h"

namespace memoryd::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8420;                     // 0 picks a free port
  int threads = 2;                          // I/O threads
  int64_t max_body_bytes = 4 << 20;         // larger bodies get 413
  std::chrono::seconds idle_timeout{60};    // keep-alive connection with no request
  std::chrono::seconds io_timeout{30};      // reading one request / writing one answer
  std::chrono::seconds shutdown_grace{10};  // in-flight requests get this long to finish
  // Open connections at most; past it, new ones wait in the kernel's listen queue.
  int max_connections = 1024;
};

class HttpServer {
 public:
  // `observer` (may be null) is told of every answered request; it must outlive the server.
  HttpServer(HttpServerOptions options, RequestHandler& handler, AccessLog& log,
             RequestObserver* observer = nullptr);
  ~HttpServer();

  // Binds and starts serving. kInvalidArgument for a bad address, kUnavailable if the address is
  // in use or cannot be bound.
  Status Start();
  // The bound port (useful when options.port was 0).
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (up to shutdown_grace), closes idle
  // connections, and joins the I/O threads. Safe to call more than once.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memoryd::http
