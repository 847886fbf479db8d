#include "transport/http/metrics_handler.h"

#include "metrics/exposition.h"
#include "transport/http/error_map.h"

namespace memoryd::http {

const char kMetricsRoute[] = "/metrics";

namespace {

bool HasBody(const HttpRequest& request) {
  return request.Header("transfer-encoding") ||
         request.Header("content-length").value_or("0").find_first_not_of('0') !=
             std::string_view::npos;
}

HttpResponse Labelled(HttpResponse response) {
  response.route = kMetricsRoute;
  return response;
}

}  // namespace

MetricsHandler::MetricsHandler(MemoryService& service, RequestHandler& next,
                               MetricsHandlerOptions options, Render render)
    : service_(service),
      next_(next),
      options_(std::move(options)),
      guard_(options_.listen_host, options_.allowed_hosts, options_.allowed_origins),
      render_(std::move(render)) {}

std::optional<HttpResponse> MetricsHandler::CheckHead(const HttpRequest& head) {
  if (head.path != kMetricsRoute) return next_.CheckHead(head);
  return Check(head);
}

void MetricsHandler::Handle(HttpRequest request, std::function<void(HttpResponse)> done) {
  if (request.path != kMetricsRoute) return next_.Handle(std::move(request), std::move(done));
  if (auto refusal = Check(request)) return done(std::move(*refusal));
  HttpResponse response;
  response.body = render_();
  response.content_type = std::string(metrics::kExpositionContentType);
  done(Labelled(std::move(response)));
}

std::optional<HttpResponse> MetricsHandler::Check(const HttpRequest& request) {
  if (Status s = guard_.Check(request.Header("host"), request.Header("origin")); !s.ok()) {
    return Labelled(ErrorResponse(s));
  }
  if (request.method != "GET") {
    HttpResponse response = ErrorResponse(
        Status::InvalidArgument("method " + request.method + " is not allowed here; allowed: GET"));
    response.status = 405;
    response.headers.emplace_back("Allow", "GET");
    return Labelled(std::move(response));
  }
  if (HasBody(request)) {
    return Labelled(ErrorResponse(Status::InvalidArgument("/metrics takes no request body")));
  }
  if (Status s = Authorize(request); !s.ok()) return Labelled(ErrorResponse(s));
  return std::nullopt;
}

Status MetricsHandler::Authorize(const HttpRequest& request) {
  if (options_.no_auth) return Status::Ok();
  Result<Principal> principal = service_.Authenticate(BearerToken(request));
  if (principal.ok() && principal->space) {
    // What is counted spans every space: a key limited to one may not see it. The key is valid,
    // so this is no guess and does not count towards the address's failures.
    return Status::Unauthenticated("/metrics needs an account-wide API key");
  }
  if (principal.ok()) return Status::Ok();
  if (options_.auth_failures == nullptr) return principal.status();
  return options_.auth_failures->Judge(request.remote, principal.status());
}

}  // namespace memoryd::http
