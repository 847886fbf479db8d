#include "transport/mcp/http_handler.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cctype>

#include "auth/api_key.h"
#include "codec/json_text.h"
#include "core/ascii.h"
#include "transport/http/access_log.h"
#include "transport/http/body_rules.h"
#include "transport/http/error_map.h"

namespace memoryd::mcp {

const char kMcpRoute[] = "/mcp";

namespace {

constexpr std::string_view kPath = "/mcp";
constexpr const char* kSessionHeader = "Mcp-Session-Id";

http::HttpResponse Refuse(int status, std::string message) {
  http::HttpResponse response = http::ErrorResponse(Status::InvalidArgument(std::move(message)));
  response.status = status;
  return response;
}

http::HttpResponse MethodNotAllowed(const std::string& method) {
  http::HttpResponse response =
      Refuse(405, method + " is not supported at /mcp; send JSON-RPC messages with POST");
  response.headers.emplace_back("Allow", "POST, DELETE");
  return response;
}

// Lets a browser page from an allowed origin read the answer (and the session id).
void AddCorsHeaders(http::HttpResponse& response, const std::string& origin) {
  response.headers.emplace_back("Access-Control-Allow-Origin", origin);
  response.headers.emplace_back("Access-Control-Expose-Headers",
                                "Mcp-Session-Id, WWW-Authenticate");
  response.headers.emplace_back("Vary", "Origin");
}

// The answer to a browser's CORS preflight (OPTIONS) from an allowed origin.
http::HttpResponse Preflight() {
  http::HttpResponse response;
  response.status = 204;
  response.headers.emplace_back("Access-Control-Allow-Methods", "POST, DELETE");
  response.headers.emplace_back(
      "Access-Control-Allow-Headers",
      "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID");
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

http::HttpResponse RpcAnswer(int status, const json::object& body) {
  http::HttpResponse response;
  response.status = status;
  response.body = codec::SerializeJson(body);
  return response;
}

// What the access log says of a message after the path: its method, and for a tool call the
// tool's name, each made safe to log (a client chooses both).
std::string LogDetail(const Message& message) {
  if (message.kind == MessageKind::kInvalid || message.kind == MessageKind::kResponse) {
    return "-";
  }
  std::string detail = http::SafeLogToken(message.method);
  if (message.method != "tools/call") return detail;
  const json::value* name = message.params.if_contains("name");
  detail += ' ';
  detail += name != nullptr && name->is_string() ? http::SafeLogToken(name->get_string()) : "-";
  return detail;
}

bool AcceptsJson(const http::HttpRequest& request) {
  auto accept = request.Header("accept");
  if (!accept) return true;
  const std::string value = AsciiLower(*accept);
  return value.find("application/json") != std::string::npos ||
         value.find("*/*") != std::string::npos || value.find("application/*") != std::string::npos;
}

bool IsJsonContent(const http::HttpRequest& request) {
  auto type = request.Header("content-type");
  if (!type) return true;
  std::string value = AsciiLower(*type);
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value == "application/json" || value.ends_with("+json");
}

}  // namespace

class McpHttpHandler::Pool {
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

McpHttpHandler::McpHttpHandler(MemoryService& service, McpServer& server,
                               http::RequestHandler& next, const Clock& clock,
                               McpHttpOptions options)
    : service_(service),
      server_(server),
      next_(next),
      options_(std::move(options)),
      guard_(options_.listen_host, options_.allowed_hosts, options_.allowed_origins),
      sessions_(clock, options_.sessions),
      pool_(std::make_unique<Pool>(options_.worker_threads)),
      readers_(std::make_unique<Pool>(options_.reader_threads)) {}

McpHttpHandler::~McpHttpHandler() { Drain(); }

void McpHttpHandler::Drain() {
  pool_->Join();
  readers_->Join();
}

std::optional<http::HttpResponse> McpHttpHandler::CheckHead(const http::HttpRequest& head) {
  if (head.path != kPath) return next_.CheckHead(head);
  if (head.method == "OPTIONS") {  // a preflight: Handle answers it; it carries no body
    if (Status s = guard_.Check(head.Header("host"), head.Header("origin")); !s.ok()) {
      return http::ErrorResponse(s);
    }
    if (head.Header("transfer-encoding") ||
        head.Header("content-length").value_or("0").find_first_not_of('0') !=
            std::string_view::npos) {
      return Refuse(400, "OPTIONS /mcp takes no request body");
    }
    return std::nullopt;
  }
  Caller caller;
  std::optional<http::HttpResponse> refusal = Check(head, &caller);
  if (!refusal) refusal = http::CheckBodyHeaders(head);
  if (refusal) {
    refusal->route = kMcpRoute;
    if (auto origin = head.Header("origin");
        origin && guard_.Check(head.Header("host"), origin).ok()) {
      AddCorsHeaders(*refusal, std::string(*origin));
    }
  }
  return refusal;
}

void McpHttpHandler::Handle(http::HttpRequest request,
                            std::function<void(http::HttpResponse)> done) {
  if (request.path != kPath) return next_.Handle(std::move(request), std::move(done));
  std::optional<std::string> cors_origin;
  if (auto origin = request.Header("origin");
      origin && guard_.Check(request.Header("host"), origin).ok()) {
    cors_origin = std::string(*origin);
  }
  done = [done = std::move(done), cors_origin = std::move(cors_origin)](http::HttpResponse r) {
    r.route = kMcpRoute;
    if (cors_origin) AddCorsHeaders(r, *cors_origin);
    done(std::move(r));
  };
  if (cors_origin && request.method == "OPTIONS") return done(Preflight());
  Caller caller;
  if (auto refusal = Check(request, &caller)) return done(std::move(*refusal));
  if (request.method == "DELETE") return done(EndSession(request, caller));
  Post(request, caller, std::move(done));
}

std::optional<http::HttpResponse> McpHttpHandler::Check(const http::HttpRequest& request,
                                                        Caller* caller) {
  if (Status s = guard_.Check(request.Header("host"), request.Header("origin")); !s.ok()) {
    return http::ErrorResponse(s);
  }
  if (request.method != "POST" && request.method != "DELETE") {
    return MethodNotAllowed(request.method);
  }
  if (!options_.no_auth) {
    const std::string token = http::BearerToken(request);
    auto principal = service_.Authenticate(token);
    if (!principal.ok()) {
      return http::ErrorResponse(
          options_.auth_failures != nullptr
              ? options_.auth_failures->Judge(request.remote, principal.status())
              : principal.status());
    }
    caller->principal = std::move(principal).value();
    caller->owner = HashApiKey(token);
  }
  if (auto version = request.Header("mcp-protocol-version");
      version && !IsSupportedProtocolVersion(*version)) {
    return Refuse(400, "unsupported MCP-Protocol-Version '" + std::string(*version) +
                           "'; this server speaks 2025-11-25, 2025-06-18 and 2025-03-26");
  }
  return std::nullopt;
}

http::HttpResponse McpHttpHandler::EndSession(const http::HttpRequest& request,
                                              const Caller& caller) {
  auto id = request.Header("mcp-session-id");
  if (!id) return Refuse(400, "DELETE /mcp needs the Mcp-Session-Id header of the session to end");
  if (!sessions_.End(std::string(*id), caller.owner)) {
    return http::ErrorResponse(Status::NotFound("no such MCP session (it may have ended)"));
  }
  http::HttpResponse response;
  response.status = 204;
  return response;
}

void McpHttpHandler::Post(const http::HttpRequest& request, const Caller& caller,
                          std::function<void(http::HttpResponse)> done) {
  if (!IsJsonContent(request)) return done(Refuse(415, "Content-Type must be application/json"));
  if (!AcceptsJson(request)) {
    return done(Refuse(406, "Accept must include application/json (and text/event-stream)"));
  }
  auto parsed = ParseMessageText(request.body);
  if (!parsed.ok()) {
    http::HttpResponse answer =
        RpcAnswer(400, ErrorResponse(nullptr, kParseError, parsed.status().message()));
    answer.log_detail = "-";
    return done(std::move(answer));
  }
  if (parsed->is_array()) {
    http::HttpResponse answer = RpcAnswer(
        400, ErrorResponse(nullptr, kInvalidRequest, "send one JSON-RPC message per request"));
    answer.log_detail = "batch";
    return done(std::move(answer));
  }
  Message message = ReadMessage(std::move(parsed).value());
  // Every answer from here on names the message in the access log.
  done = [done = std::move(done), detail = LogDetail(message)](http::HttpResponse r) {
    r.log_detail = detail;
    done(std::move(r));
  };
  if (message.kind == MessageKind::kInvalid) {
    return done(RpcAnswer(400, ErrorResponse(message.id, kInvalidRequest, message.problem)));
  }
  std::optional<std::string> session_id;
  SessionState state;
  state.protocol_version =
      std::string(request.Header("mcp-protocol-version").value_or(kDefaultHttpProtocolVersion));
  const bool initialize = message.kind == MessageKind::kRequest && message.method == "initialize";
  if (auto header = request.Header("mcp-session-id"); header && !initialize) {
    auto found = sessions_.Find(std::string(*header), caller.owner);
    if (!found) {
      return done(http::ErrorResponse(
          Status::NotFound("no such MCP session (it may have ended); initialize a new one")));
    }
    session_id = std::string(*header);
    state = std::move(*found);
  }
  if (message.kind != MessageKind::kRequest) {
    http::HttpResponse accepted;
    accepted.status = 202;
    return done(std::move(accepted));
  }
  const bool read = server_.IsReadOnlyCall(message);
  if (!McpServer::MayBlock(message) || (options_.inline_reads && read && service_.SearchReady())) {
    return done(Answer(message, caller, session_id, state));
  }
  Pool& pool = read ? *readers_ : *pool_;
  pool.Post([this, message = std::move(message), caller, session_id, state = std::move(state),
             done = std::move(done)]() mutable {
    done(Answer(message, caller, session_id, std::move(state)));
  });
}

http::HttpResponse McpHttpHandler::Answer(const Message& message, const Caller& caller,
                                          const std::optional<std::string>& session_id,
                                          SessionState state) {
  std::optional<McpServer::Reply> answer;
  // Nothing a tool does may take the server down: anything thrown becomes an internal error.
  try {
    answer = server_.Handle(message, caller.principal, state);
  } catch (const std::exception& e) {
    answer = McpServer::Reply{
        ErrorResponseText(message.id, kInternalError, std::string("internal error: ") + e.what()),
        true};
  }
  http::HttpResponse response;
  response.body = answer ? std::move(answer->json) : std::string();
  const bool succeeded = answer && !answer->error;
  if (message.method == "initialize" && succeeded) {
    auto id = sessions_.Create(caller.owner, state);
    if (!id.ok()) return http::ErrorResponse(id.status());
    response.headers.emplace_back(kSessionHeader, *id);
  } else if (session_id && message.method == "logging/setLevel" && succeeded) {
    sessions_.Update(*session_id, state);
  }
  return response;
}

}  // namespace memoryd::mcp
