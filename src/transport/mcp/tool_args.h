// Reading tool arguments after the input schema has validated them: these only extract values.
// An argument that is absent or null gives nullopt, an empty list or the fallback.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service/memory_service.h"

namespace memoryd::mcp {

namespace json = boost::json;

std::optional<std::string> ArgString(const json::object& args, std::string_view name);
std::vector<std::string> ArgStrings(const json::object& args, std::string_view name);
std::optional<int64_t> ArgInteger(const json::object& args, std::string_view name);
std::optional<double> ArgNumber(const json::object& args, std::string_view name);
bool ArgBool(const json::object& args, std::string_view name, bool fallback);
// The object argument serialised as JSON text.
std::optional<std::string> ArgObjectText(const json::object& args, std::string_view name);

// A memory to write from text, title, tags, metadata, key and ttl_minutes.
MemoryInput ArgMemoryInput(const json::object& args);

// One memory addressed by exactly one of `id` and `key`.
struct MemoryAddress {
  std::optional<std::string> id;
  std::optional<std::string> key;
};
// kInvalidArgument when neither or both are given.
Result<MemoryAddress> ArgAddress(const json::object& args);

}  // namespace memoryd::mcp
