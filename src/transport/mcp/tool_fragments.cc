// Schema fragments shared by the tool tables: a string "@name" in a tool's schema stands for the
// fragment `name`. Argument names and limits match the REST dialects. Descriptions are short
// because a client shows every one of them to the model on every turn; `space` has none here,
// the server instructions describe it once.
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {

const char* ToolSchemaFragments() {
  return R"json({
  "space": {"type": "string", "minLength": 1, "maxLength": 128},
  "key": {"type": "string", "minLength": 1, "maxLength": 512, "description": "Name unique in the space; storing under it again replaces the memory."},
  "id": {"type": "string", "minLength": 1, "description": "The memory's id."},
  "keys": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 512}, "description": "Several keys, at most 50."},
  "ids": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "string", "minLength": 1}, "description": "Several ids, at most 50."},
  "text": {"type": "string", "minLength": 1, "description": "One to a few self-contained sentences."},
  "title": {"type": "string", "maxLength": 4096, "description": "Short title."},
  "tags": {"type": "array", "maxItems": 64, "items": {"type": "string", "minLength": 1, "maxLength": 64}, "description": "Labels, e.g. [\"ui\"]."},
  "metadata": {"type": "object", "description": "JSON object of extra facts; searches filter on its top-level fields."},
  "ttl_minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 52704000, "description": "Forget it after this many minutes."},
  "tag_name": {"type": "string", "minLength": 1, "maxLength": 64, "description": "The tag."},
  "time": {"type": ["string", "null"]},
  "memory": {
    "type": "object",
    "properties": {
      "id": {"type": "string"}, "space": {"type": "string"}, "key": {"type": ["string", "null"]},
      "title": {"type": "string"}, "text": {"type": "string"}, "metadata": {"type": "object"},
      "tags": "@strings", "createdAt": "@time", "updatedAt": "@time", "expiresAt": "@time"},
    "required": ["id", "space", "key", "text"]
  },
  "scored_memory": {
    "allOf": ["@memory", {"type": "object", "properties": {"score": {"type": "number"}}, "required": ["score"]}]
  },
  "memories": {"type": "array", "items": "@memory"},
  "strings": {"type": "array", "items": {"type": "string"}},
  "count": {"type": "integer"}
})json";
}

}  // namespace memoryd::mcp
