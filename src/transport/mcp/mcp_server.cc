#include "transport/mcp/mcp_server.h"

#include "codec/json_text.h"
#include "transport/mcp/error_map.h"
#include "transport/mcp/prompts.h"
#include "transport/mcp/resources.h"
#include "transport/mcp/schema.h"

namespace memoryd::mcp {
namespace {

constexpr std::string_view kSupportedVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
constexpr std::string_view kLogLevels[] = {"debug", "info",     "notice", "warning",
                                           "error", "critical", "alert",  "emergency"};

// Sent once per session, so what every tool shares (`space`) is described here and not in
// each tool's schema.
constexpr const char* kInstructions =
    "memoryd is a long-term memory. Before answering anything that may depend on earlier "
    "conversations, call search_memories. Store durable facts, preferences and decisions with "
    "add_memory as short self-contained sentences; correct them with update_memory rather than "
    "adding contradictions. A key names a memory for reading and replacing it later.\n"
    "space: every tool but list_spaces takes an optional `space`, a separate namespace of "
    "memories (1-128 characters). Leave it out to use the default space; name one only when the "
    "user works in a particular project or context. Deleting several memories or a space needs "
    "the space named explicitly.";

// A successful tool result: the structured result, and the same JSON as text. Written directly:
// it is on the hot path of every tool call, and the DOM route would serialise the result twice.
std::string ToolResult(const json::object& structured) {
  const std::string text = codec::SerializeJson(structured);
  std::string out = R"({"content":[{"type":"text","text":)";
  out.reserve(out.size() + 2 * text.size() + 64);
  codec::AppendJsonString(out, text);
  out += R"(}],"isError":false,"structuredContent":)";
  out += text;
  out += '}';
  return out;
}

std::string ToolError(const Status& status) {
  json::object text{{"type", "text"}, {"text", ToolErrorText(status)}};
  return codec::SerializeJson(
      json::object{{"content", json::array{std::move(text)}}, {"isError", true}});
}

std::string Text(const json::object& value) { return codec::SerializeJson(value); }

}  // namespace

bool IsSupportedProtocolVersion(std::string_view version) {
  for (auto v : kSupportedVersions) {
    if (v == version) return true;
  }
  return false;
}

const McpServer::MethodEntry McpServer::kMethods[] = {
    {"initialize", &McpServer::Initialize},
    {"ping", &McpServer::Ping},
    {"logging/setLevel", &McpServer::SetLogLevel},
    {"tools/list", &McpServer::ListTools},
    {"tools/call", &McpServer::CallTool},
    {"resources/list", &McpServer::ListResources},
    {"resources/templates/list", &McpServer::ListResourceTemplates},
    {"resources/read", &McpServer::ReadResource},
    {"prompts/list", &McpServer::ListPrompts},
    {"prompts/get", &McpServer::GetPrompt},
    {"completion/complete", &McpServer::Complete},
};

Result<std::unique_ptr<McpServer>> McpServer::Create(MemoryService& service, McpOptions options) {
  MEMORYD_ASSIGN_OR_RETURN(auto registry, ToolRegistry::Build(ToolRegistry::AllSpecs()));
  return std::unique_ptr<McpServer>(
      new McpServer(service, std::move(options), std::move(registry)));
}

McpServer::McpServer(MemoryService& service, McpOptions options,
                     std::unique_ptr<ToolRegistry> registry)
    : service_(service),
      options_(std::move(options)),
      registry_(std::move(registry)),
      list_tools_json_(codec::SerializeJson(json::object{{"tools", registry_->ListJson()}})) {}

std::optional<McpServer::Reply> McpServer::Handle(const Message& message,
                                                  const Principal& principal,
                                                  SessionState& session) {
  switch (message.kind) {
    case MessageKind::kNotification:
    case MessageKind::kResponse:
      return std::nullopt;
    case MessageKind::kInvalid:
      return Reply{ErrorResponseText(message.id, kInvalidRequest, message.problem), true};
    case MessageKind::kRequest:
      break;
  }
  // Every request spends the account's budget, whatever its method (a tool call spends it in
  // RunTool, so that a model sees the retry delay as a tool result it can act on).
  if (message.method != "tools/call") {
    if (Status admitted = service_.Admit(principal); !admitted.ok()) {
      return Reply{
          ErrorResponseText(message.id, JsonRpcCodeFor(admitted.code()), admitted.message()), true};
    }
  }
  for (const MethodEntry& entry : kMethods) {
    if (entry.name != message.method) continue;
    Call call{message.params, principal, session};
    Result<std::string> result = (this->*entry.method)(call);
    if (!result.ok()) {
      return Reply{ErrorResponseText(message.id, JsonRpcCodeFor(result.status().code()),
                                     result.status().message()),
                   true};
    }
    return Reply{ResultResponseText(message.id, *result), false};
  }
  return Reply{
      ErrorResponseText(message.id, kMethodNotFound, "method not found: " + message.method), true};
}

bool McpServer::MayBlock(const Message& message) {
  return message.method == "tools/call" || message.method == "resources/read" ||
         message.method == "prompts/get";
}

bool McpServer::IsReadOnlyCall(const Message& message) const {
  if (message.method != "tools/call") return true;
  const json::value* name = message.params.if_contains("name");
  const Tool* tool = name && name->is_string() ? registry_->Find(name->get_string()) : nullptr;
  return tool == nullptr || tool->spec.access == Access::kRead;
}

Result<std::string> McpServer::Initialize(Call& call) {
  const json::value* requested = call.params.if_contains("protocolVersion");
  if (requested == nullptr || !requested->is_string()) {
    return Status::InvalidArgument("initialize needs params.protocolVersion, a string");
  }
  const std::string_view version = requested->get_string();
  call.session.protocol_version =
      std::string(IsSupportedProtocolVersion(version) ? version : kLatestProtocolVersion);
  json::object capabilities{{"tools", json::object{{"listChanged", false}}},
                            {"resources", json::object{{"listChanged", false}}},
                            {"prompts", json::object{{"listChanged", false}}},
                            {"completions", json::object()},
                            {"logging", json::object()}};
  json::object info{{"name", "memoryd"}, {"title", "memoryd"}, {"version", MEMORYD_VERSION}};
  return Text(json::object{{"protocolVersion", call.session.protocol_version},
                           {"capabilities", std::move(capabilities)},
                           {"serverInfo", std::move(info)},
                           {"instructions", kInstructions}});
}

Result<std::string> McpServer::Ping(Call&) { return std::string("{}"); }

Result<std::string> McpServer::SetLogLevel(Call& call) {
  const json::value* level = call.params.if_contains("level");
  for (auto known : kLogLevels) {
    if (level != nullptr && level->is_string() && level->get_string() == known) {
      call.session.log_level = std::string(known);
      return std::string("{}");
    }
  }
  return Status::InvalidArgument(
      "'level' must be one of debug, info, notice, warning, error, critical, alert, emergency");
}

Result<std::string> McpServer::ListTools(Call&) { return list_tools_json_; }

Result<std::string> McpServer::CallTool(Call& call) {
  const json::value* name = call.params.if_contains("name");
  const Tool* tool =
      name != nullptr && name->is_string() ? registry_->Find(name->get_string()) : nullptr;
  bool ok = false;
  Result<std::string> answer = CallKnownTool(tool, call, &ok);
  if (tool_observer_ != nullptr) tool_observer_->OnToolCall(tool, ok);
  return answer;
}

Result<std::string> McpServer::CallKnownTool(const Tool* tool, Call& call, bool* ok) {
  const json::value* name = call.params.if_contains("name");
  if (name == nullptr || !name->is_string()) {
    return Status::InvalidArgument("tools/call needs params.name, the tool's name");
  }
  if (tool == nullptr) {
    return Status::InvalidArgument("unknown tool '" + std::string(name->get_string()) +
                                   "'; tools/list names the tools");
  }
  const json::value* args = call.params.if_contains("arguments");
  const json::value none = json::object();
  auto result = RunTool(*tool, args != nullptr && !args->is_null() ? *args : none, call.principal);
  if (!result.ok()) return ToolError(result.status());
  *ok = true;
  return ToolResult(*result);
}

Result<json::object> McpServer::RunTool(const Tool& tool, const json::value& arguments,
                                        const Principal& principal) {
  MEMORYD_RETURN_IF_ERROR(service_.Admit(principal));
  MEMORYD_RETURN_IF_ERROR(ValidateArguments(tool.input_schema, arguments));
  if (tool.spec.access == Access::kWrite && principal.read_only) {
    return Status::PermissionDenied("this API key is read-only");
  }
  const json::object& args = arguments.get_object();
  SpaceRef space;
  if (tool.spec.scope == ToolScope::kSpace) {
    const json::value* named = args.if_contains("space");
    const std::string requested = named != nullptr && named->is_string()
                                      ? std::string(named->get_string())
                                      : options_.default_space;
    MEMORYD_ASSIGN_OR_RETURN(space, service_.ResolveSpace(principal, requested, tool.spec.access));
  }
  ToolContext ctx{service_, principal, space, args};
  Result<json::object> result = tool.spec.handler(ctx);
  if (!space.name.empty()) service_.NoteUse(space);
  return result;
}

Result<std::string> McpServer::ListResources(Call& call) {
  MEMORYD_ASSIGN_OR_RETURN(json::object resources,
                           mcp::ListResources(service_, call.principal, call.params));
  return Text(resources);
}

Result<std::string> McpServer::ListResourceTemplates(Call&) {
  return Text(mcp::ResourceTemplates());
}

Result<std::string> McpServer::ReadResource(Call& call) {
  MEMORYD_ASSIGN_OR_RETURN(json::object contents,
                           mcp::ReadResource(service_, call.principal, call.params));
  return Text(contents);
}

Result<std::string> McpServer::ListPrompts(Call&) { return Text(mcp::ListPrompts()); }

Result<std::string> McpServer::GetPrompt(Call& call) {
  MEMORYD_ASSIGN_OR_RETURN(
      json::object prompt,
      mcp::GetPrompt(service_, call.principal, options_.default_space, call.params));
  return Text(prompt);
}

Result<std::string> McpServer::Complete(Call& call) {
  MEMORYD_ASSIGN_OR_RETURN(json::object completion,
                           mcp::Complete(service_, call.principal, call.params));
  return Text(completion);
}

}  // namespace memoryd::mcp
