// MetricsHandler: GET /metrics, the Prometheus scrape, in front of the other handlers. It
// answers exactly /metrics and hands every other request to the next handler unchanged.
//
// At /metrics:
//   - Host and Origin are checked as on every route (403).
//   - Only GET (405 with Allow otherwise), and no request body (400).
//   - An account-wide key as `Authorization: Bearer KEY` (the way Prometheus sends its
//     `authorization` credentials); no key, an unknown key or a space-scoped key get 401, and
//     failed attempts count towards the address's limit (AuthFailures, then 429). With
//     --no-auth it is open, like every route.
//   - A scrape does not spend the account's rate-limit budget: monitoring must keep working
//     while the account is being limited, which is when it matters.
// The answer is whatever `render` writes, as text/plain; version=0.0.4.
//
// Thread-safety: Handle and CheckHead may be called from any thread; `render` is called on the
// I/O thread that answers (it must be quick: counters and a few cheap store reads).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "service/memory_service.h"
#include "transport/http/auth_failures.h"
#include "transport/http/http_types.h"
#include "transport/http/origin_guard.h"

namespace memoryd::http {

// The path, and the route label of its answers (one definition, so one pointer).
extern const char kMetricsRoute[];

struct MetricsHandlerOptions {
  bool no_auth = false;
  std::string listen_host = "127.0.0.1";
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  AuthFailures* auth_failures = nullptr;  // may be null: no limit
};

class MetricsHandler final : public RequestHandler {
 public:
  using Render = std::function<std::string()>;
  // `service` and `next` must outlive the handler.
  MetricsHandler(MemoryService& service, RequestHandler& next, MetricsHandlerOptions options,
                 Render render);

  std::optional<HttpResponse> CheckHead(const HttpRequest& head) override;
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done) override;

 private:
  // Every check a scrape passes, in order: the refusal, or nullopt.
  std::optional<HttpResponse> Check(const HttpRequest& request);
  Status Authorize(const HttpRequest& request);

  MemoryService& service_;
  RequestHandler& next_;
  const MetricsHandlerOptions options_;
  OriginGuard guard_;
  const Render render_;
};

}  // namespace memoryd::http
