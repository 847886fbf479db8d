// McpServer: the Model Context Protocol, independent of transport. It answers one decoded
// JSON-RPC message at a time for a caller (a Principal) within a session: the lifecycle
// (initialize, ping), tools (from the ToolRegistry), resources, prompts, completion and logging
// level. stdio (stdio_loop.h) and Streamable HTTP (http_handler.h) both drive it, so the two
// transports behave the same.
//
// Protocol-level failures are JSON-RPC errors (unknown method -32601, unknown tool -32602, ...);
// a tool that fails answers a result with isError and a message for the model (error_map.h).
// Every tools/call, resources/read and prompts/get spends one request of the account's
// rate-limit budget (MemoryService::Admit), the budget REST requests spend too.
//
// Thread-safety: Handle may be called from any thread; a SessionState must not be used by two
// calls at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "service/memory_service.h"
#include "transport/mcp/json_rpc.h"
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {

inline constexpr std::string_view kLatestProtocolVersion = "2025-11-25";
// Assumed for an HTTP request that carries no MCP-Protocol-Version header (as the spec says).
inline constexpr std::string_view kDefaultHttpProtocolVersion = "2025-03-26";

// 2025-11-25, 2025-06-18 and 2025-03-26.
bool IsSupportedProtocolVersion(std::string_view version);

// Told of every tools/call, for metrics. Called concurrently from any thread; must not block.
class ToolCallObserver {
 public:
  virtual ~ToolCallObserver() = default;
  // `tool` is null when the call named no tool of the registry; `ok` is false when the call
  // answered an error (a JSON-RPC error or a result with isError).
  virtual void OnToolCall(const Tool* tool, bool ok) = 0;
};

struct McpOptions {
  // The space of calls that name none (`memoryd mcp --space`); empty: the key's own, else
  // "default".
  std::string default_space;
};

// What one session remembers between messages.
struct SessionState {
  std::string protocol_version = std::string(kDefaultHttpProtocolVersion);
  std::string log_level = "info";
};

class McpServer {
 public:
  // kInternal if the tool table is broken (a programmer error). `service` must outlive it.
  static Result<std::unique_ptr<McpServer>> Create(MemoryService& service, McpOptions options);

  // An answer, as JSON text ready to send.
  struct Reply {
    std::string json;
    bool error = false;  // a JSON-RPC error (a tool's isError result is not one)
  };
  // The answer to a request or an invalid message; nullopt for notifications and responses,
  // which are never answered.
  std::optional<Reply> Handle(const Message& message, const Principal& principal,
                              SessionState& session);
  // True unless the message is a tools/call of a tool that writes.
  bool IsReadOnlyCall(const Message& message) const;
  // True when answering may wait on the store or the embedder: tools/call, resources/read and
  // prompts/get (the HTTP transport runs those on a worker pool, the rest inline).
  static bool MayBlock(const Message& message);
  const ToolRegistry& registry() const { return *registry_; }
  // `observer` (may be null) is told of every tool call from now on; it counts by this
  // server's registry, hence a setter rather than an option. REQUIRES: no call is in progress
  // (set it before serving). `observer` must outlive the server.
  void SetToolObserver(ToolCallObserver* observer) { tool_observer_ = observer; }

 private:
  struct Call {
    const json::object& params;
    const Principal& principal;
    SessionState& session;
  };
  // A method's result, serialised.
  using Method = Result<std::string> (McpServer::*)(Call&);
  struct MethodEntry {
    std::string_view name;
    Method method;
  };
  static const MethodEntry kMethods[];

  McpServer(MemoryService& service, McpOptions options, std::unique_ptr<ToolRegistry> registry);

  Result<std::string> Initialize(Call& call);
  Result<std::string> Ping(Call& call);
  Result<std::string> SetLogLevel(Call& call);
  Result<std::string> ListTools(Call& call);
  Result<std::string> CallTool(Call& call);
  // CallTool once the tool is looked up (null: none was named or it is unknown); `*ok` is set
  // when the tool succeeded.
  Result<std::string> CallKnownTool(const Tool* tool, Call& call, bool* ok);
  Result<std::string> ListResources(Call& call);
  Result<std::string> ListResourceTemplates(Call& call);
  Result<std::string> ReadResource(Call& call);
  Result<std::string> ListPrompts(Call& call);
  Result<std::string> GetPrompt(Call& call);
  Result<std::string> Complete(Call& call);
  // Runs a validated tool; the structured result or why it failed.
  Result<json::object> RunTool(const Tool& tool, const json::value& arguments,
                               const Principal& principal);

  MemoryService& service_;
  const McpOptions options_;
  const std::unique_ptr<ToolRegistry> registry_;
  const std::string list_tools_json_;  // the tools/list result, serialised once
  ToolCallObserver* tool_observer_ = nullptr;
};

}  // namespace memoryd::mcp
