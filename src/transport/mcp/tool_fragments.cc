// Schema fragments shared by the tool tables: a string "@name" in a tool's schema stands for the
// fragment `name`. Argument names and limits match the REST dialects; descriptions are written
// for a language model choosing and filling in arguments.
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {

const char* ToolSchemaFragments() {
  return R"json({
  "space": {
    "type": "string", "minLength": 1, "maxLength": 128,
    "description": "The space (a separate namespace of memories) to act on. Leave it out to use the default space; name one only when the user works with a particular project or context."
  },
  "key": {
    "type": "string", "minLength": 1, "maxLength": 512,
    "description": "A stable name for the memory, unique in its space (e.g. \"user-preferences\"). Writing the same key again replaces that memory."
  },
  "id": {
    "type": "string", "minLength": 1,
    "description": "The memory's id, as returned by add_memory, search_memories or list_memories."
  },
  "text": {
    "type": "string", "minLength": 1,
    "description": "The memory itself: one to a few complete sentences that make sense on their own, e.g. \"The user prefers dark mode and concise answers.\""
  },
  "title": {
    "type": "string", "maxLength": 4096,
    "description": "A short title for the memory."
  },
  "tags": {
    "type": "array", "maxItems": 64,
    "items": {"type": "string", "minLength": 1, "maxLength": 64},
    "description": "Labels for grouping and filtering, e.g. [\"preferences\", \"ui\"]."
  },
  "metadata": {
    "type": "object",
    "description": "Any JSON object of extra facts about the memory, e.g. {\"source\": \"chat\", \"confidence\": 0.9}. Searches can filter on its top-level fields."
  },
  "ttl_minutes": {
    "type": "number",
    "description": "Forget the memory after this many minutes (a positive number). Leave it out to keep the memory until it is deleted."
  },
  "keys": {
    "type": "array", "minItems": 1, "maxItems": 50,
    "items": {"type": "string", "minLength": 1, "maxLength": 512},
    "description": "The keys, at most 50."
  },
  "tag_name": {
    "type": "string", "minLength": 1, "maxLength": 64,
    "description": "The tag's name."
  },
  "timestamp": {"type": ["string", "null"], "description": "ISO-8601 time in UTC, e.g. 2026-05-11T12:00:00.000Z."},
  "memory": {
    "type": "object",
    "properties": {
      "id": {"type": "string"},
      "space": {"type": "string"},
      "key": {"type": ["string", "null"]},
      "title": {"type": "string"},
      "text": {"type": "string"},
      "metadata": {"type": "object"},
      "tags": {"type": "array", "items": {"type": "string"}},
      "createdAt": "@timestamp",
      "updatedAt": "@timestamp",
      "expiresAt": "@timestamp"
    },
    "required": ["id", "space", "key", "title", "text", "metadata", "tags", "createdAt", "updatedAt", "expiresAt"]
  },
  "scored_memory": {
    "allOf": [
      "@memory",
      {"type": "object", "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1}}, "required": ["score"]}
    ]
  },
  "memories": {"type": "array", "items": "@memory"},
  "strings": {"type": "array", "items": {"type": "string"}},
  "space_info": {
    "type": "object",
    "properties": {
      "name": {"type": "string"},
      "count": {"type": "integer"},
      "createdAt": "@timestamp",
      "lastUsed": "@timestamp"
    },
    "required": ["name", "count"]
  }
})json";
}

}  // namespace memoryd::mcp
