#include "transport/mcp/json_rpc.h"

#include "codec/json_codec.h"
#include "codec/json_text.h"
#include "core/utf8.h"

namespace memoryd::mcp {
namespace {

// Deep enough for real metadata inside params.arguments; shallow enough that hostile nesting is
// rejected cheaply.
constexpr std::size_t kMaxJsonDepth = 40;

Message Invalid(json::value id, std::string problem) {
  Message m;
  m.id = std::move(id);
  m.problem = std::move(problem);
  return m;
}

}  // namespace

Message ReadMessage(json::value value) {
  json::object* object = value.if_object();
  if (object == nullptr) return Invalid(nullptr, "a JSON-RPC message must be a JSON object");
  const json::value* version = object->if_contains("jsonrpc");
  const json::value* id = object->if_contains("id");
  // Only strings and integers identify a request; anything else cannot be echoed back safely.
  const bool id_ok = id != nullptr && (id->is_string() || id->is_int64() || id->is_uint64());
  json::value reply_id = id_ok ? *id : json::value(nullptr);
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
    return Invalid(reply_id, "'jsonrpc' must be \"2.0\"");
  }
  const json::value* method = object->if_contains("method");
  if (method == nullptr) {
    if (object->contains("result") || object->contains("error")) {
      Message m;
      m.kind = MessageKind::kResponse;
      m.id = reply_id;
      return m;
    }
    return Invalid(reply_id, "a request needs a 'method'");
  }
  if (!method->is_string()) return Invalid(reply_id, "'method' must be a string");
  if (id != nullptr && !id_ok) return Invalid(nullptr, "'id' must be a string or an integer");
  Message m;
  m.kind = id_ok ? MessageKind::kRequest : MessageKind::kNotification;
  m.id = reply_id;
  m.method = std::string(method->get_string());
  if (json::value* params = object->if_contains("params"); params && !params->is_null()) {
    if (!params->is_object()) return Invalid(reply_id, "'params' must be an object");
    m.params = std::move(params->get_object());
  }
  return m;
}

Result<json::value> ParseMessageText(std::string_view text) {
  return codec::ParseStrictJson(text, "the message", kMaxJsonDepth);
}

json::object ResultResponse(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object ErrorResponse(const json::value& id, int code, std::string_view message) {
  return json::object{{"jsonrpc", "2.0"},
                      {"id", id},
                      {"error", json::object{{"code", code}, {"message", ToValidUtf8(message)}}}};
}

std::string ResultResponseText(const json::value& id, std::string_view result_json) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += codec::SerializeJson(id);
  out += R"(,"result":)";
  out += result_json;
  out += '}';
  return out;
}

std::string ErrorResponseText(const json::value& id, int code, std::string_view message) {
  return codec::SerializeJson(ErrorResponse(id, code, message));
}

}  // namespace memoryd::mcp
