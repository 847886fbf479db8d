// RequestMetrics: the HTTP server's RequestObserver for Prometheus. It counts answered requests
// by method, route pattern and status (memoryd_http_requests_total) and times them by route
// (memoryd_http_request_duration_seconds).
//
// Every label set is bounded whatever clients send: the route is a pattern from the tables
// given at construction ("unmatched" when none answered), the method one of the HTTP methods
// the server knows ("other" for the rest), and the status one of a fixed list (others count as
// their class, e.g. "2xx"). Counting is a pointer scan of the routes and relaxed atomic adds
// into slots laid out at construction: nothing is allocated or looked up by string per request.
//
// Thread-safety: Observe and Write may be called from any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "metrics/counter.h"
#include "metrics/exposition.h"
#include "metrics/histogram.h"
#include "transport/http/request_observer.h"

namespace memoryd::http {

class RequestMetrics final : public RequestObserver {
 public:
  // `routes`: the pattern of every route that may answer (HttpResponse::route values, with
  // static storage); patterns with the same text share one label value.
  explicit RequestMetrics(const std::vector<const char*>& routes);

  void Observe(std::string_view method, const char* route, int status, int64_t micros) override;
  // The two families, with the series that have counted something.
  void Write(metrics::ExpositionWriter& out) const;

 private:
  size_t RouteSlot(const char* route) const;
  metrics::Counter& RequestCounter(size_t route, size_t method, size_t status) const;

  std::vector<std::string_view> route_names_;                   // by slot; the last is "unmatched"
  std::vector<std::pair<const char*, size_t>> slots_;           // pattern pointer -> slot
  std::unique_ptr<metrics::Counter[]> requests_;                // [route][method][status]
  std::vector<std::unique_ptr<metrics::Histogram>> durations_;  // by route slot
};

}  // namespace memoryd::http
