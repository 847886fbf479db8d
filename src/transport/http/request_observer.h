// RequestObserver: told of every answered request, for metrics. The server calls it on the I/O
// thread that writes the answer, so an implementation must be cheap and must not block.
//
// Thread-safety: Observe is called concurrently from every I/O thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace memoryd::http {

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // One answered request: its method as the client sent it, the pattern of the route that
  // answered (HttpResponse::route; null when none did), the status, and the microseconds from
  // the whole request being in to its answer being handed to the socket.
  virtual void Observe(std::string_view method, const char* route, int status, int64_t micros) = 0;
};

}  // namespace memoryd::http
