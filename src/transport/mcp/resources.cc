#include "transport/mcp/resources.h"

#include <cctype>

#include "transport/http/json_text.h"
#include "transport/http/semantic_codec.h"

namespace memoryd::mcp {
namespace json = boost::json;
namespace {

constexpr std::string_view kSpacesPrefix = "memoryd://spaces/";
constexpr std::string_view kMemoriesPrefix = "memoryd://memories/";
constexpr std::string_view kKeysInfix = "/keys/";
constexpr int64_t kRecentInSpace = 20;
constexpr const char* kJson = "application/json";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

json::object Contents(std::string_view uri, const json::value& body) {
  json::object content{{"uri", uri}, {"mimeType", kJson}, {"text", http::SerializeJson(body)}};
  return json::object{{"contents", json::array{std::move(content)}}};
}

Result<json::object> ReadSpace(MemoryService& service, const Principal& principal,
                               std::string_view uri, const std::string& name) {
  MEMORYD_ASSIGN_OR_RETURN(SpaceRef space, service.ResolveSpace(principal, name, Access::kRead));
  MEMORYD_ASSIGN_OR_RETURN(SpaceSummary summary, service.Summary(space));
  MEMORYD_ASSIGN_OR_RETURN(RecentPage recent, service.Recent(space, kRecentInSpace, ""));
  json::array memories;
  for (const Memory& m : recent.memories) memories.push_back(http::SemanticMemoryJson(m));
  json::object body{{"name", summary.info.name},
                    {"memoryCount", summary.info.memory_count},
                    {"memoryLimit", summary.memory_limit},
                    {"tagCount", summary.info.tag_count},
                    {"newestMemories", std::move(memories)}};
  return Contents(uri, body);
}

Result<json::object> ReadKeyed(MemoryService& service, const Principal& principal,
                               std::string_view uri, const std::string& name,
                               const std::string& key) {
  MEMORYD_ASSIGN_OR_RETURN(SpaceRef space, service.ResolveSpace(principal, name, Access::kRead));
  MEMORYD_ASSIGN_OR_RETURN(Memory memory, service.Get(space, key));
  return Contents(uri, http::SemanticMemoryJson(memory));
}

}  // namespace

std::string EncodeUriSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::optional<std::string> DecodeUriSegment(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<json::object> ListResources(MemoryService& service, const Principal& principal) {
  MEMORYD_ASSIGN_OR_RETURN(auto spaces, service.ListSpaces(principal));
  json::array resources;
  for (const SpaceInfo& s : spaces) {
    resources.push_back(
        json::object{{"uri", std::string(kSpacesPrefix) + EncodeUriSegment(s.name)},
                     {"name", s.name},
                     {"title", "Space " + s.name},
                     {"description", "Summary and newest memories of the space '" + s.name + "' (" +
                                         std::to_string(s.memory_count) + " memories)"},
                     {"mimeType", kJson}});
  }
  return json::object{{"resources", std::move(resources)}};
}

json::object ResourceTemplates() {
  auto entry = [](const char* uri, const char* name, const char* title, const char* description) {
    return json::object{{"uriTemplate", uri},
                        {"name", name},
                        {"title", title},
                        {"description", description},
                        {"mimeType", kJson}};
  };
  return json::object{
      {"resourceTemplates",
       json::array{
           entry("memoryd://spaces/{space}", "space", "A space",
                 "A space's summary and its newest memories"),
           entry("memoryd://spaces/{space}/keys/{key}", "memory-by-key", "A memory by key",
                 "The memory stored under a key in a space"),
           entry("memoryd://memories/{id}", "memory", "A memory by id", "One memory by its id"),
       }}};
}

Result<json::object> ReadResource(MemoryService& service, const Principal& principal,
                                  const json::object& params) {
  const json::value* uri_value = params.if_contains("uri");
  if (uri_value == nullptr || !uri_value->is_string()) {
    return Status::InvalidArgument("resources/read needs params.uri, a string");
  }
  const std::string_view uri = uri_value->get_string();
  const Status unknown = Status::NotFound("no resource at " + std::string(uri));
  if (uri.starts_with(kMemoriesPrefix)) {
    auto id = DecodeUriSegment(uri.substr(kMemoriesPrefix.size()));
    if (!id || id->empty()) return unknown;
    auto memory = service.GetById(principal, *id);
    if (!memory.ok())
      return memory.status().code() == StatusCode::kNotFound ? unknown : memory.status();
    return Contents(uri, http::SemanticMemoryJson(*memory));
  }
  if (!uri.starts_with(kSpacesPrefix)) return unknown;
  const std::string_view rest = uri.substr(kSpacesPrefix.size());
  const size_t infix = rest.find(kKeysInfix);
  auto space = DecodeUriSegment(rest.substr(0, infix));
  if (!space || space->empty() ||
      (infix == std::string_view::npos && rest.find('/') != rest.npos)) {
    return unknown;
  }
  if (infix == std::string_view::npos) return ReadSpace(service, principal, uri, *space);
  auto key = DecodeUriSegment(rest.substr(infix + kKeysInfix.size()));
  if (!key || key->empty()) return unknown;
  auto read = ReadKeyed(service, principal, uri, *space, *key);
  if (!read.ok() && read.status().code() == StatusCode::kNotFound) return unknown;
  return read;
}

}  // namespace memoryd::mcp
