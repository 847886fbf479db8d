// JSON shapes of the spaces dialect (seed 000): memories with scores, add and search requests,
// partial updates, and spaces.
#pragma once

#include <optional>
#include <string>

#include "codec/json_codec.h"
#include "service/memory_service.h"

namespace memoryd::codec {

// POST /mcp/addMemory: {space?, title?, text, metadata?, tags?, key?, ttlMinutes?, dedupe?}.
struct AddRequest {
  std::optional<std::string> space;
  MemoryInput input;
  bool dedupe = false;
};
Result<AddRequest> ReadAddRequest(const json::object& object);

// POST /mcp/search: {space?, q, top_k?, min_score?, tags?, tags_all?, metadata?, created_after?,
// created_before?}.
struct SearchRequest {
  std::optional<std::string> space;
  SearchQuery query;
};
Result<SearchRequest> ReadSearchRequest(const json::object& object);

// PATCH /memories/{id}: any of {title, text, tags, metadata, ttlMinutes}.
Result<MemoryPatch> ReadMemoryPatch(const json::object& object);

// A memory as this dialect shows it: id, space, key, title, text, metadata, tags and times.
json::object SemanticMemoryJson(const Memory& memory);
json::object SearchResultJson(const SearchResult& result);
json::object SpaceJson(const SpaceInfo& space);

}  // namespace memoryd::codec
