// Router: the route table and the request pipeline shared by every REST route.
//
// A route is data: method, path pattern, what it needs (authentication, a space, write access),
// whether it may block (it then runs on a worker pool instead of an I/O thread: writes on the
// writers' pool, reads such as searches on the readers' pool, so searches waiting on a slow
// embedder never delay a write, and neither delays a keyed GET), and the handler. The pipeline is:
// match -> authenticate -> rate-limit -> resolve the space -> handler -> note the use. Unknown
// paths get 404 and known paths with another method 405, both as JSON.
//
// Thread-safety: Handle may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service/memory_service.h"
#include "transport/http/auth_failures.h"
#include "transport/http/http_types.h"
#include "transport/http/origin_guard.h"

namespace memoryd::http {

// Where a route's space comes from.
enum class SpaceSource {
  kNone,           // the route does not act on one space
  kQueryOrHeader,  // ?space=NAME or X-Memory-Space, else the key's space, else "default"
  kHandler,        // the handler resolves it itself (e.g. from the body or the path)
};

struct RouteContext {
  const HttpRequest& request;
  MemoryService& service;
  Principal principal;
  SpaceRef space;                                                // set for kQueryOrHeader
  std::vector<std::pair<std::string, std::string>> path_params;  // from {name} segments

  std::string_view PathParam(std::string_view name) const;
};

using RouteHandler = HttpResponse (*)(RouteContext&);

// The space a request names with ?space= or X-Memory-Space (empty when none); kInvalidArgument
// when both are given and differ, or the name is empty.
Result<std::string> RequestedSpace(const HttpRequest& request);

struct Route {
  const char* method;
  const char* pattern;  // e.g. "/api/rest/memory" or "/spaces/{space}"
  bool authenticated;
  SpaceSource space_source;
  Access access;
  // Writes wait for a group commit, searches for the embedder, large reads for the store: run
  // them off the I/O threads.
  bool may_block;
  RouteHandler handler;
  const char* summary;  // one line, for the route listing in docs
};

struct RouterOptions {
  bool no_auth = false;     // every request acts as the default account
  int worker_threads = 64;  // writers' pool
  int reader_threads = 32;  // readers' pool (searches and large reads)
  // Blocking reads run inline on the I/O thread after all: set when the embedder runs inside
  // the process, so a search cannot wait on anything outside it (saves a thread hand-off).
  bool inline_reads = false;
  // DNS rebinding and cross-site requests: Host and Origin allowed besides loopback ones.
  std::string listen_host = "127.0.0.1";
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  // Failed authentications per client address (may be null: no limit).
  AuthFailures* auth_failures = nullptr;
};

class Router final : public RequestHandler {
 public:
  Router(MemoryService& service, std::vector<Route> routes, RouterOptions options);
  ~Router() override;

  // Before the body: Host and Origin, how the body is sent (body_rules.h), the route (404/405),
  // and the key of an authenticated route (401, or 429 after too many failures from the
  // address).
  std::optional<HttpResponse> CheckHead(const HttpRequest& head) override;
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done) override;
  // Waits for queued blocking handlers to finish. Call after the server has stopped.
  void Drain();

 private:
  struct Match;
  Match Find(const HttpRequest& request) const;
  // CheckHead without the route label of its refusal.
  std::optional<HttpResponse> CheckHeadOf(const HttpRequest& head);
  HttpResponse Run(const Route& route, RouteContext& ctx);
  Result<Principal> Authenticate(const HttpRequest& request);
  // 404 or 405 (with Allow) for a request no route takes.
  HttpResponse NoRoute(const HttpRequest& request, const std::string& allow);
  HttpResponse Execute(const Route& route, const HttpRequest& request,
                       std::vector<std::pair<std::string, std::string>> params);

  MemoryService& service_;
  std::vector<Route> routes_;
  RouterOptions options_;
  OriginGuard guard_;
  class Pool;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<Pool> readers_;
};

}  // namespace memoryd::http
