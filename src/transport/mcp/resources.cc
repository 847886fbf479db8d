#include "transport/mcp/resources.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "codec/json_text.h"
#include "codec/semantic_codec.h"

namespace memoryd::mcp {
namespace json = boost::json;
namespace {

constexpr std::string_view kSpacesPrefix = "memoryd://spaces/";
constexpr std::string_view kMemoriesPrefix = "memoryd://memories/";
constexpr std::string_view kKeysInfix = "/keys/";
constexpr std::string_view kRecentPrefix = "memory://";
constexpr std::string_view kRecentSuffix = "/recent";
constexpr std::string_view kCursorQuery = "?cursor=";
constexpr int64_t kRecentPageSize = 20;
constexpr int64_t kSpacesPerPage = 50;
constexpr const char* kJson = "application/json";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A resources/list cursor: the decimal offset of the next page.
bool ParseOffset(std::string_view text, int64_t* offset) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *offset);
  return error == std::errc() && end == text.data() + text.size() && *offset >= 0;
}

json::object Contents(std::string_view uri, const json::value& body) {
  json::object content{{"uri", uri}, {"mimeType", kJson}, {"text", codec::SerializeJson(body)}};
  return json::object{{"contents", json::array{std::move(content)}}};
}

// The first page when `cursor` is empty (a cursor is never empty).
std::string RecentUri(std::string_view space, std::string_view cursor = {}) {
  std::string uri =
      std::string(kRecentPrefix) + EncodeUriSegment(space) + std::string(kRecentSuffix);
  if (!cursor.empty()) uri += std::string(kCursorQuery) + EncodeUriSegment(cursor);
  return uri;
}

// One page of a space's newest memories, with the URI of the next page.
Result<json::object> ReadRecent(MemoryService& service, const Principal& principal,
                                std::string_view uri, const std::string& name,
                                const std::string& cursor) {
  MEMORYD_ASSIGN_OR_RETURN(SpaceRef space, service.ResolveSpace(principal, name, Access::kRead));
  MEMORYD_ASSIGN_OR_RETURN(RecentPage page, service.Recent(space, kRecentPageSize, cursor));
  json::array memories;
  for (const Memory& m : page.memories) memories.push_back(codec::SemanticMemoryJson(m));
  json::value next = page.next_cursor ? json::value(RecentUri(name, *page.next_cursor)) : nullptr;
  return Contents(
      uri,
      json::object{{"space", name}, {"memories", std::move(memories)}, {"next", std::move(next)}});
}

// memory://{space}/recent[?cursor=C]; kNotFound for anything else.
Result<json::object> ReadRecentUri(MemoryService& service, const Principal& principal,
                                   std::string_view uri) {
  const Status unknown = Status::NotFound("no resource at " + std::string(uri));
  std::string_view rest = uri.substr(kRecentPrefix.size());
  std::string cursor;
  if (const size_t query = rest.find('?'); query != std::string_view::npos) {
    if (!rest.substr(query).starts_with(kCursorQuery)) return unknown;
    auto decoded = DecodeUriSegment(rest.substr(query + kCursorQuery.size()));
    if (!decoded) return unknown;
    cursor = *decoded;
    rest = rest.substr(0, query);
  }
  if (!rest.ends_with(kRecentSuffix)) return unknown;
  auto space = DecodeUriSegment(rest.substr(0, rest.size() - kRecentSuffix.size()));
  if (!space || space->empty() || space->find('/') != std::string::npos) return unknown;
  return ReadRecent(service, principal, uri, *space, cursor);
}

Result<json::object> ReadKeyed(MemoryService& service, const Principal& principal,
                               std::string_view uri, const std::string& name,
                               const std::string& key) {
  MEMORYD_ASSIGN_OR_RETURN(SpaceRef space, service.ResolveSpace(principal, name, Access::kRead));
  MEMORYD_ASSIGN_OR_RETURN(Memory memory, service.Get(space, key));
  return Contents(uri, codec::SemanticMemoryJson(memory));
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

Result<json::object> ListResources(MemoryService& service, const Principal& principal,
                                   const json::object& params) {
  int64_t offset = 0;
  if (const json::value* cursor = params.if_contains("cursor"); cursor && !cursor->is_null()) {
    const auto* text = cursor->if_string();
    if (text == nullptr || !ParseOffset(*text, &offset)) {
      return Status::InvalidArgument("'cursor' must be a nextCursor of an earlier resources/list");
    }
  }
  MEMORYD_ASSIGN_OR_RETURN(auto spaces, service.ListSpaces(principal));
  json::array resources;
  const auto total = static_cast<int64_t>(spaces.size());
  // Compared before adding, so that a huge cursor cannot overflow.
  const int64_t end = offset >= total ? total : std::min(total, offset + kSpacesPerPage);
  for (int64_t i = offset; i < end; ++i) {
    const SpaceInfo& s = spaces[static_cast<size_t>(i)];
    resources.push_back(
        json::object{{"uri", RecentUri(s.name)},
                     {"name", s.name + "/recent"},
                     {"title", "Recent memories of " + s.name},
                     {"description", "The newest memories of space '" + s.name + "' (" +
                                         std::to_string(s.memory_count) + " in all), 20 a page"},
                     {"mimeType", kJson}});
  }
  json::object out{{"resources", std::move(resources)}};
  if (end < total) out["nextCursor"] = std::to_string(end);
  return out;
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
           entry("memory://{space}/recent", "recent", "Recent memories of a space",
                 "A space's newest memories, 20 a page; `next` links the next page"),
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
    return Contents(uri, codec::SemanticMemoryJson(*memory));
  }
  if (uri.starts_with(kRecentPrefix)) return ReadRecentUri(service, principal, uri);
  if (!uri.starts_with(kSpacesPrefix)) return unknown;
  const std::string_view rest = uri.substr(kSpacesPrefix.size());
  const size_t infix = rest.find(kKeysInfix);
  auto space = DecodeUriSegment(rest.substr(0, infix));
  if (!space || space->empty() || infix == std::string_view::npos) return unknown;
  auto key = DecodeUriSegment(rest.substr(infix + kKeysInfix.size()));
  if (!key || key->empty()) return unknown;
  auto read = ReadKeyed(service, principal, uri, *space, *key);
  if (!read.ok() && read.status().code() == StatusCode::kNotFound) return unknown;
  return read;
}

}  // namespace memoryd::mcp
