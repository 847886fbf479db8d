#include "app/serve.h"

#include <signal.h>

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdio>

#include "app/serve_metrics.h"
#include "core/clock.h"
#include "service/memory_service.h"
#include "transport/http/metrics_handler.h"
#include "transport/http/request_metrics.h"
#include "transport/http/routes.h"
#include "transport/http/server.h"
#include "transport/mcp/http_handler.h"
#include "transport/mcp/mcp_server.h"
#include "transport/mcp/tool_metrics.h"

namespace memoryd {
namespace {

void WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  std::fprintf(stderr, "memoryd: received %s, shutting down\n",
               signal == SIGTERM ? "SIGTERM" : "SIGINT");
}

// Serving with no key at all answers every request 401: say so, and how to make one (a key
// created while the server runs works at once).
void WarnIfNoKeys(Store& store, const std::string& data_dir) {
  auto keys = store.ListApiKeys();
  if (!keys.ok() || !keys->empty()) return;
  std::fprintf(stderr,
               "memoryd: no API key exists yet, so every request will be refused (401).\n"
               "  Create one (it works at once, no restart needed):\n"
               "    memoryd key create --data-dir %s --name my-agent\n"
               "  or give one with --api-key-file FILE, or use --no-auth on a loopback address.\n",
               data_dir.c_str());
}

std::vector<http::Route> AllRoutes() {
  std::vector<http::Route> routes = http::SystemRoutes();
  for (auto& r : http::CapsuleRoutes()) routes.push_back(r);
  for (auto& r : http::SemanticRoutes()) routes.push_back(r);
  return routes;
}

// Every route label an answer may carry: the REST patterns, /mcp and /metrics.
std::vector<const char*> RouteLabels(const std::vector<http::Route>& routes) {
  std::vector<const char*> labels;
  for (const http::Route& route : routes) labels.push_back(route.pattern);
  labels.push_back(mcp::kMcpRoute);
  labels.push_back(http::kMetricsRoute);
  return labels;
}

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status ParseListen(const std::string& listen, std::string* host, uint16_t* port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) {
    return Status::InvalidArgument("--listen must be HOST:PORT, got '" + listen + "'");
  }
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") h = "127.0.0.1";
  if (h.empty()) return Status::InvalidArgument("--listen needs a host, e.g. 127.0.0.1:8420");
  const std::string p = listen.substr(colon + 1);
  int value = 0;
  for (char c : p) {
    if (c < '0' || c > '9' || value > 65535) {
      return Status::InvalidArgument("--listen has an invalid port '" + p + "'");
    }
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return Status::InvalidArgument("--listen has an invalid port '" + p + "'");
  *host = h;
  *port = static_cast<uint16_t>(value);
  return Status::Ok();
}

bool IsLoopback(const std::string& host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

Status RunServe(const ServeConfig& config) {
  if (config.no_auth && !IsLoopback(config.host)) {
    return Status::InvalidArgument(
        "--no-auth is only allowed on a loopback address (127.0.0.1 or "
        "::1); refusing to serve " +
        config.host + " without keys");
  }
  ServeMetrics serve_metrics(NowSeconds());
  StackConfig stack_config;
  stack_config.write_observer = &serve_metrics;
  stack_config.data_dir = config.data_dir;
  stack_config.database_url = config.database_url;
  stack_config.full_sync = config.full_sync;
  stack_config.read_cache_bytes = config.read_cache_bytes;
  stack_config.service = config.service;
  stack_config.embed = config.embed;
  stack_config.purge_interval_ms = config.purge_interval_seconds * 1000;
  MEMORYD_ASSIGN_OR_RETURN(auto stack, Stack::Open(stack_config));
  MemoryService& service = stack->service();
  if (!config.api_key.empty()) service.AddStaticKey(config.api_key, Principal{});
  if (!config.no_auth && config.api_key.empty()) WarnIfNoKeys(stack->store(), config.data_dir);

  http::RouterOptions router_options;
  router_options.no_auth = config.no_auth;
  router_options.worker_threads = config.worker_threads;
  router_options.inline_reads = stack->embedder().InProcess();
  router_options.listen_host = config.host;
  router_options.allowed_hosts = config.allowed_hosts;
  router_options.allowed_origins = config.allowed_origins;
  http::AuthFailures auth_failures(service.clock());
  router_options.auth_failures = &auth_failures;
  std::vector<http::Route> routes = AllRoutes();
  http::RequestMetrics request_metrics(RouteLabels(routes));
  http::Router router(service, std::move(routes), router_options);
  // MCP's Streamable HTTP answers /mcp ahead of the REST routes.
  MEMORYD_ASSIGN_OR_RETURN(auto mcp_server, mcp::McpServer::Create(service, mcp::McpOptions{}));
  mcp::ToolMetrics tool_metrics(mcp_server->registry());
  mcp_server->SetToolObserver(&tool_metrics);
  mcp::McpHttpOptions mcp_options;
  mcp_options.no_auth = config.no_auth;
  mcp_options.inline_reads = stack->embedder().InProcess();
  mcp_options.listen_host = config.host;
  mcp_options.allowed_hosts = config.allowed_hosts;
  mcp_options.allowed_origins = config.allowed_origins;
  mcp_options.auth_failures = &auth_failures;
  mcp::McpHttpHandler mcp_http(service, *mcp_server, router, service.clock(), mcp_options);
  http::MetricsHandlerOptions metrics_options;
  metrics_options.no_auth = config.no_auth;
  metrics_options.listen_host = config.host;
  metrics_options.allowed_hosts = config.allowed_hosts;
  metrics_options.allowed_origins = config.allowed_origins;
  metrics_options.auth_failures = &auth_failures;
  const ScrapeSources sources{*stack, request_metrics, tool_metrics, auth_failures};
  http::MetricsHandler metrics_http(service, mcp_http, metrics_options,
                                    [&] { return serve_metrics.Render(sources); });
  http::AccessLog log(config.access_log);
  http::HttpServerOptions server_options;
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.threads = config.io_threads;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.max_connections = config.max_connections;
  http::HttpServer server(server_options, metrics_http, log, &request_metrics);
  MEMORYD_RETURN_IF_ERROR(server.Start());
  std::fprintf(stderr, "memoryd %s listening on http://%s:%u (data dir %s%s)%s\n", MEMORYD_VERSION,
               config.host.c_str(), server.port(), config.data_dir.c_str(),
               config.database_url.empty() ? "" : ", store in PostgreSQL",
               config.no_auth ? ", authentication off" : "");

  WaitForStopSignal();
  // Calls to the embedder in flight end now, so requests waiting on one answer (from words) at
  // once and shutdown is never held by an endpoint that does not answer.
  stack->BeginShutdown();
  server.Stop();
  mcp_http.Drain();
  router.Drain();
  stack.reset();  // stops the background work and saves the indexes
  log.Flush();
  std::fprintf(stderr, "memoryd: stopped\n");
  return Status::Ok();
}

}  // namespace memoryd
