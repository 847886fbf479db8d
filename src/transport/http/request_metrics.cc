#include "transport/http/request_metrics.h"

#include <cstring>
#include <iterator>

namespace memoryd::http {
namespace {

constexpr std::string_view kUnmatched = "unmatched";
constexpr std::string_view kMethods[] = {"GET",    "HEAD",    "POST",  "PUT",
                                         "DELETE", "OPTIONS", "PATCH", "other"};
constexpr size_t kMethodCount = std::size(kMethods);
// The statuses memoryd answers; any other counts under its class.
constexpr int kStatuses[] = {200, 201, 202, 204, 400, 401, 403, 404, 405, 406,
                             409, 413, 415, 429, 431, 500, 501, 503, 504};
constexpr std::string_view kStatusNames[] = {"200", "201", "202", "204", "400", "401", "403",
                                             "404", "405", "406", "409", "413", "415", "429",
                                             "431", "500", "501", "503", "504"};
constexpr std::string_view kStatusClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
constexpr size_t kStatusCount = std::size(kStatuses) + std::size(kStatusClasses);
static_assert(std::size(kStatuses) == std::size(kStatusNames));

constexpr double kNanosecond = 1e-9;

size_t MethodSlot(std::string_view method) {
  for (size_t i = 0; i + 1 < kMethodCount; ++i) {
    if (kMethods[i] == method) return i;
  }
  return kMethodCount - 1;
}

size_t StatusSlot(int status) {
  for (size_t i = 0; i < std::size(kStatuses); ++i) {
    if (kStatuses[i] == status) return i;
  }
  const int klass = status >= 100 && status < 600 ? status / 100 - 1 : 4;
  return std::size(kStatuses) + static_cast<size_t>(klass);
}

std::string_view StatusName(size_t slot) {
  return slot < std::size(kStatusNames) ? kStatusNames[slot]
                                        : kStatusClasses[slot - std::size(kStatusNames)];
}

}  // namespace

RequestMetrics::RequestMetrics(const std::vector<const char*>& routes) {
  for (const char* route : routes) {
    size_t slot = 0;
    while (slot < route_names_.size() && route_names_[slot] != route) ++slot;
    if (slot == route_names_.size()) route_names_.emplace_back(route);
    slots_.emplace_back(route, slot);
  }
  route_names_.push_back(kUnmatched);
  requests_ =
      std::make_unique<metrics::Counter[]>(route_names_.size() * kMethodCount * kStatusCount);
  for (size_t i = 0; i < route_names_.size(); ++i) {
    durations_.push_back(
        std::make_unique<metrics::Histogram>(metrics::LatencyBuckets(), kNanosecond));
  }
}

size_t RequestMetrics::RouteSlot(const char* route) const {
  if (route == nullptr) return route_names_.size() - 1;
  for (const auto& [pointer, slot] : slots_) {
    if (pointer == route) return slot;
  }
  // A pattern not given at construction (a programmer error): found by text, else unmatched.
  for (size_t slot = 0; slot + 1 < route_names_.size(); ++slot) {
    if (route_names_[slot] == route) return slot;
  }
  return route_names_.size() - 1;
}

metrics::Counter& RequestMetrics::RequestCounter(size_t route, size_t method, size_t status) const {
  return requests_[(route * kMethodCount + method) * kStatusCount + status];
}

void RequestMetrics::Observe(std::string_view method, const char* route, int status,
                             int64_t micros) {
  const size_t slot = RouteSlot(route);
  RequestCounter(slot, MethodSlot(method), StatusSlot(status)).Add();
  durations_[slot]->ObserveUnits(micros * 1000);
}

void RequestMetrics::Write(metrics::ExpositionWriter& out) const {
  using metrics::MetricType;
  out.Family("memoryd_http_requests_total", MetricType::kCounter,
             "HTTP requests answered, by method, route pattern and status.");
  for (size_t r = 0; r < route_names_.size(); ++r) {
    for (size_t m = 0; m < kMethodCount; ++m) {
      for (size_t s = 0; s < kStatusCount; ++s) {
        const uint64_t n = RequestCounter(r, m, s).Value();
        if (n == 0) continue;
        out.Sample("memoryd_http_requests_total",
                   {{"method", kMethods[m]}, {"route", route_names_[r]}, {"status", StatusName(s)}},
                   n);
      }
    }
  }
  out.Family("memoryd_http_request_duration_seconds", MetricType::kHistogram,
             "Time from a whole request being in to its answer being written, by route pattern.");
  for (size_t r = 0; r < route_names_.size(); ++r) {
    const metrics::HistogramSnapshot snapshot = durations_[r]->Snapshot();
    if (snapshot.count() == 0) continue;
    out.Histogram("memoryd_http_request_duration_seconds", {{"route", route_names_[r]}}, snapshot);
  }
}

}  // namespace memoryd::http
