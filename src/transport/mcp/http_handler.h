// McpHttpHandler: MCP's Streamable HTTP transport at /mcp, in front of the REST router. It
// answers /mcp itself and hands every other request to the next handler unchanged.
//
// At /mcp:
//   - Host and Origin are checked against DNS rebinding first (403; see origin_guard.h).
//   - Bearer keys exactly as for REST: a missing or unknown key gets 401 with
//     WWW-Authenticate: Bearer (with --no-auth every request is the default account).
//   - POST carries one JSON-RPC message. A request is answered with 200 and one JSON body; a
//     notification or a response gets 202 and no body. initialize opens a session and returns
//     its Mcp-Session-Id; later requests that send the header must name a live session of the
//     same key (404 otherwise). A request without the header is served without a session.
//   - MCP-Protocol-Version, when sent, must be a supported revision (400 otherwise).
//   - DELETE with Mcp-Session-Id ends the session (204); GET gets 405 (no server-sent streams).
//   - A browser page from an allowed origin gets CORS headers, and its preflight (OPTIONS) 204.
// Tool calls, resource reads and prompts run on worker pools (calls that write on the writers'
// pool, as they wait for a group commit; the rest on the readers' pool, as a search may wait for
// the embedder), so neither ever holds an I/O thread; everything else is answered on the I/O
// thread.
//
// Thread-safety: Handle may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "transport/http/auth_failures.h"
#include "transport/http/http_types.h"
#include "transport/http/origin_guard.h"
#include "transport/mcp/mcp_server.h"
#include "transport/mcp/session_table.h"

namespace memoryd::mcp {

// The path MCP answers at, as the route label of its answers (HttpResponse::route): defined
// once, so every answer carries the same pointer.
extern const char kMcpRoute[];

struct McpHttpOptions {
  bool no_auth = false;     // every request acts as the default account
  std::string listen_host;  // the bound address, for the Host check
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  int worker_threads = 16;    // for tool calls that write
  int reader_threads = 16;    // for tool calls that read, resource reads and prompts
  bool inline_reads = false;  // ...or inline, when the embedder runs inside the process
  http::AuthFailures* auth_failures = nullptr;  // failed authentications per address
  SessionOptions sessions;
};

class McpHttpHandler final : public http::RequestHandler {
 public:
  // `service`, `server`, `next` and `clock` must outlive the handler.
  McpHttpHandler(MemoryService& service, McpServer& server, http::RequestHandler& next,
                 const Clock& clock, McpHttpOptions options);
  ~McpHttpHandler() override;

  // /mcp: Host and Origin, the method, the key (401, or 429 after too many failures from the
  // address), the protocol version and how the body is sent, all before the body is read.
  // Other paths go to the next handler's CheckHead.
  std::optional<http::HttpResponse> CheckHead(const http::HttpRequest& head) override;
  void Handle(http::HttpRequest request, std::function<void(http::HttpResponse)> done) override;
  // Waits for queued tool calls to finish. Call after the server has stopped.
  void Drain();

 private:
  // Who is calling, and the digest their session is bound to.
  struct Caller {
    Principal principal;
    std::string owner;
  };
  // The checks every /mcp request passes, in order: the refusal, or nullopt with `caller` set.
  std::optional<http::HttpResponse> Check(const http::HttpRequest& request, Caller* caller);
  http::HttpResponse EndSession(const http::HttpRequest& request, const Caller& caller);
  void Post(const http::HttpRequest& request, const Caller& caller,
            std::function<void(http::HttpResponse)> done);
  http::HttpResponse Answer(const Message& message, const Caller& caller,
                            const std::optional<std::string>& session_id, SessionState state);

  MemoryService& service_;
  McpServer& server_;
  http::RequestHandler& next_;
  const McpHttpOptions options_;
  http::OriginGuard guard_;
  SessionTable sessions_;
  class Pool;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<Pool> readers_;
};

}  // namespace memoryd::mcp
