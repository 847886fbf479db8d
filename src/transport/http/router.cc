#include "transport/http/router.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <exception>

#include "transport/http/body_rules.h"
#include "transport/http/error_map.h"

namespace memoryd::http {

class Router::Pool {
 public:
  explicit Pool(int threads) : pool_(static_cast<std::size_t>(std::max(1, threads))) {}
  template <typename Fn>
  void Post(Fn&& fn) {
    boost::asio::post(pool_, std::forward<Fn>(fn));
  }
  void Join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

struct Router::Match {
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;              // methods of routes whose pattern matched, for 405
  const char* pattern = nullptr;  // the first pattern that matched the path, for metrics
};

namespace {

// Matches "/a/{x}/b" against "/a/1/b", collecting {x}. Segments are compared exactly.
bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = std::min(pattern.find('/'), pattern.size());
    const size_t se = std::min(path.find('/'), path.size());
    const std::string_view pseg = pattern.substr(0, pe);
    const std::string_view sseg = path.substr(0, se);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) return false;
      params.emplace_back(std::string(pseg.substr(1, pseg.size() - 2)), std::string(sseg));
    } else if (pseg != sseg) {
      return false;
    }
    pattern.remove_prefix(pe);
    path.remove_prefix(se);
  }
  return pattern.empty() && path.empty();
}

}  // namespace

std::string_view RouteContext::PathParam(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return {};
}

Router::Router(MemoryService& service, std::vector<Route> routes, RouterOptions options)
    : service_(service),
      routes_(std::move(routes)),
      options_(options),
      guard_(options.listen_host, options.allowed_hosts, options.allowed_origins),
      pool_(std::make_unique<Pool>(options.worker_threads)),
      readers_(std::make_unique<Pool>(options.reader_threads)) {}

Router::~Router() { Drain(); }

void Router::Drain() {
  pool_->Join();
  readers_->Join();
}

Router::Match Router::Find(const HttpRequest& request) const {
  Match match;
  std::vector<std::pair<std::string, std::string>> params;
  for (const Route& route : routes_) {
    if (!MatchPattern(route.pattern, request.path, params)) continue;
    if (match.pattern == nullptr) match.pattern = route.pattern;
    if (request.method == route.method) {
      match.route = &route;
      match.params = std::move(params);
      return match;
    }
    if (match.allow.find(route.method) == std::string::npos) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += route.method;
    }
  }
  return match;
}

std::optional<HttpResponse> Router::CheckHead(const HttpRequest& head) {
  std::optional<HttpResponse> refused = CheckHeadOf(head);
  // Refusals are rare: finding the route again to label one costs nothing on the common path.
  if (refused && refused->route == nullptr) refused->route = Find(head).pattern;
  return refused;
}

std::optional<HttpResponse> Router::CheckHeadOf(const HttpRequest& head) {
  if (Status s = guard_.Check(head.Header("host"), head.Header("origin")); !s.ok()) {
    return ErrorResponse(s);
  }
  if (auto refused = CheckBodyHeaders(head)) return refused;
  Match match = Find(head);
  if (match.route == nullptr) return NoRoute(head, match.allow);  // needs no body
  if (!match.route->authenticated) {
    // Routes open to anyone (/healthz) take no body: a stranger's body is never read.
    if (head.Header("transfer-encoding") ||
        head.Header("content-length").value_or("0").find_first_not_of('0') !=
            std::string_view::npos) {
      return ErrorResponse(Status::InvalidArgument(head.path + " takes no request body"));
    }
    return std::nullopt;
  }
  if (options_.no_auth) return std::nullopt;
  auto principal = Authenticate(head);
  if (!principal.ok()) return ErrorResponse(principal.status());
  return std::nullopt;
}

Result<Principal> Router::Authenticate(const HttpRequest& request) {
  auto principal = service_.Authenticate(BearerToken(request));
  if (principal.ok() || options_.auth_failures == nullptr) return principal;
  return options_.auth_failures->Judge(request.remote, principal.status());
}

void Router::Handle(HttpRequest request, std::function<void(HttpResponse)> done) {
  Match match = Find(request);
  if (match.route == nullptr) {
    HttpResponse response = NoRoute(request, match.allow);
    response.route = match.pattern;  // a 405 names the pattern; a 404 has none
    return done(std::move(response));
  }
  const Route* route = match.route;
  if (!route->may_block ||
      (options_.inline_reads && route->access == Access::kRead && service_.SearchReady())) {
    return done(Execute(*route, request, std::move(match.params)));
  }
  Pool& pool = route->access == Access::kWrite ? *pool_ : *readers_;
  pool.Post(
      [this, route, request = std::move(request), params = std::move(match.params),
       done = std::move(done)]() mutable { done(Execute(*route, request, std::move(params))); });
}

HttpResponse Router::NoRoute(const HttpRequest& request, const std::string& allow) {
  // A request with a valid key spends its budget even when it names no route, so probing for
  // routes cannot bypass the rate limit.
  if (!options_.no_auth) {
    auto principal = service_.Authenticate(BearerToken(request));
    if (principal.ok()) {
      Status admitted = service_.Admit(*principal);
      if (!admitted.ok()) return ErrorResponse(admitted);
    }
  } else if (Status admitted = service_.Admit(Principal{}); !admitted.ok()) {
    return ErrorResponse(admitted);
  }
  if (allow.empty()) {
    return ErrorResponse(Status::NotFound("no route for " + request.method + " " + request.path));
  }
  HttpResponse response = ErrorResponse(Status::InvalidArgument(
      "method " + request.method + " is not allowed here; allowed: " + allow));
  response.status = 405;
  response.headers.emplace_back("Allow", allow);
  return response;
}

HttpResponse Router::Execute(const Route& route, const HttpRequest& request,
                             std::vector<std::pair<std::string, std::string>> params) {
  RouteContext ctx{request, service_, Principal{}, SpaceRef{}, std::move(params)};
  HttpResponse response;
  // A handler must never take the server down: anything thrown becomes a 500.
  try {
    response = Run(route, ctx);
  } catch (const std::exception& e) {
    response = ErrorResponse(Status::Internal(std::string("internal error: ") + e.what()));
  } catch (...) {
    response = ErrorResponse(Status::Internal("internal error"));
  }
  response.route = route.pattern;
  return response;
}

Result<std::string> RequestedSpace(const HttpRequest& request) {
  auto query = request.Query("space");
  auto header = request.Header("x-memory-space");
  if (query && header && *query != *header) {
    return Status::InvalidArgument("the 'space' parameter and the X-Memory-Space header differ");
  }
  auto named = query ? query : header;
  if (!named) return std::string();
  // Present but empty is a malformed name, not a request for the default space.
  if (named->empty()) return Status::InvalidArgument("space name must not be empty");
  return std::string(*named);
}

HttpResponse Router::Run(const Route& route, RouteContext& ctx) {
  if (route.authenticated) {
    if (!options_.no_auth) {
      auto principal = Authenticate(ctx.request);
      if (!principal.ok()) return ErrorResponse(principal.status());
      ctx.principal = std::move(principal).value();
    }
    Status admitted = service_.Admit(ctx.principal);
    if (!admitted.ok()) return ErrorResponse(admitted);
  }
  if (route.space_source == SpaceSource::kQueryOrHeader) {
    auto requested = RequestedSpace(ctx.request);
    if (!requested.ok()) return ErrorResponse(requested.status());
    auto space = service_.ResolveSpace(ctx.principal, *requested, route.access);
    if (!space.ok()) return ErrorResponse(space.status());
    ctx.space = std::move(space).value();
  } else if (route.access == Access::kWrite && ctx.principal.read_only) {
    return ErrorResponse(Status::PermissionDenied("this API key is read-only"));
  }
  HttpResponse response = route.handler(ctx);
  if (!ctx.space.name.empty()) service_.NoteUse(ctx.space);
  return response;
}

}  // namespace memoryd::http
