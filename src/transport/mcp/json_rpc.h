// JSON-RPC 2.0 framing for MCP: decoding incoming messages into requests, notifications and
// responses, and building the answers. Boost.JSON stays inside the transport layer.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace memoryd::mcp {

namespace json = boost::json;

// JSON-RPC error codes, and MCP's "resource not found".
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;

enum class MessageKind {
  kRequest,       // has a method and an id: gets exactly one answer
  kNotification,  // has a method and no id: never answered
  kResponse,      // an answer to something the server asked: nothing to do
  kInvalid,       // not a JSON-RPC 2.0 message: answered with kInvalidRequest
};

struct Message {
  MessageKind kind = MessageKind::kInvalid;
  json::value id;       // the request's id (null when absent or unreadable)
  std::string method;   // requests and notifications
  json::object params;  // empty when absent
  std::string problem;  // kInvalid: what is wrong with it
};

// Decodes one message (taking its params over). Never fails: anything malformed comes back as
// kInvalid.
Message ReadMessage(json::value value);

// Parses message text (one JSON document). kInvalidArgument when it is not JSON.
Result<json::value> ParseMessageText(std::string_view text);

json::object ResultResponse(const json::value& id, json::value result);
json::object ErrorResponse(const json::value& id, int code, std::string_view message);
// The same answers as JSON text; `result_json` is the result already serialised.
std::string ResultResponseText(const json::value& id, std::string_view result_json);
std::string ErrorResponseText(const json::value& id, int code, std::string_view message);

}  // namespace memoryd::mcp
