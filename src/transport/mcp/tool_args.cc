#include "transport/mcp/tool_args.h"

#include <cmath>

#include "codec/json_text.h"

namespace memoryd::mcp {
namespace {

const json::value* Present(const json::object& args, std::string_view name) {
  const json::value* v = args.if_contains(name);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

}  // namespace

std::optional<std::string> ArgString(const json::object& args, std::string_view name) {
  const json::value* v = Present(args, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::vector<std::string> ArgStrings(const json::object& args, std::string_view name) {
  std::vector<std::string> out;
  const json::value* v = Present(args, name);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<int64_t> ArgInteger(const json::object& args, std::string_view name) {
  const json::value* v = Present(args, name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    return v->get_uint64() > static_cast<uint64_t>(INT64_MAX)
               ? INT64_MAX
               : static_cast<int64_t>(v->get_uint64());
  }
  // Range first: casting an out-of-range double to an integer is undefined behaviour.
  if (v->is_double() && std::abs(v->get_double()) < 9e18) {
    return static_cast<int64_t>(v->get_double());
  }
  return std::nullopt;
}

std::optional<double> ArgNumber(const json::object& args, std::string_view name) {
  const json::value* v = Present(args, name);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

bool ArgBool(const json::object& args, std::string_view name, bool fallback) {
  const json::value* v = Present(args, name);
  return v != nullptr && v->is_bool() ? v->get_bool() : fallback;
}

std::optional<std::string> ArgObjectText(const json::object& args, std::string_view name) {
  const json::value* v = Present(args, name);
  if (v == nullptr || !v->is_object()) return std::nullopt;
  return codec::SerializeJson(*v);
}

MemoryInput ArgMemoryInput(const json::object& args) {
  MemoryInput in;
  in.key = ArgString(args, "key");
  in.title = ArgString(args, "title").value_or("");
  in.text = ArgString(args, "text").value_or("");
  in.tags = ArgStrings(args, "tags");
  in.metadata_json = ArgObjectText(args, "metadata").value_or("{}");
  in.ttl_minutes = ArgNumber(args, "ttl_minutes");
  return in;
}

Result<MemoryAddress> ArgAddress(const json::object& args) {
  MemoryAddress address{ArgString(args, "id"), ArgString(args, "key")};
  if (address.id && address.key) {
    return Status::InvalidArgument("give either 'id' or 'key', not both");
  }
  if (!address.id && !address.key) {
    return Status::InvalidArgument("give the memory's 'id' or its 'key'");
  }
  return address;
}

}  // namespace memoryd::mcp
