// The key-value tools (seed 004's capsule operations): keyed set, text find, keys, count,
// exists, clear, bulk set/get/delete, tags and the space summary. Each handler reads its
// validated arguments, calls MemoryService and encodes; memories use the same JSON shape as the
// semantic tools.
#include "transport/http/json_codec.h"
#include "transport/http/semantic_codec.h"
#include "transport/mcp/tool_args.h"
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {
namespace {

constexpr int64_t kDefaultFindLimit = 20;
constexpr int64_t kDefaultPageSize = 50;

Result<json::object> SetMemory(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(PutOutcome put, ctx.service.Put(ctx.space, ArgMemoryInput(ctx.args)));
  return json::object{{"memory", http::SemanticMemoryJson(put.memory)}, {"created", put.created}};
}

Result<json::object> FindMemories(ToolContext& ctx) {
  const std::string text = ArgString(ctx.args, "text").value_or("");
  const int64_t limit = ArgInteger(ctx.args, "limit").value_or(kDefaultFindLimit);
  MEMORYD_ASSIGN_OR_RETURN(auto found, ctx.service.FindSubstring(ctx.space, text, limit));
  json::array memories;
  for (const Memory& m : found) memories.push_back(http::SemanticMemoryJson(m));
  const auto count = static_cast<int64_t>(memories.size());
  return json::object{{"memories", std::move(memories)}, {"count", count}};
}

Result<json::object> ListKeys(ToolContext& ctx) {
  const int64_t page = ArgInteger(ctx.args, "page").value_or(1);
  const int64_t page_size = ArgInteger(ctx.args, "page_size").value_or(kDefaultPageSize);
  MEMORYD_ASSIGN_OR_RETURN(KeyPage keys, ctx.service.ListKeys(ctx.space, page, page_size));
  json::array out;
  for (const KeyUpdated& k : keys.keys) {
    out.push_back(json::object{{"key", k.key}, {"updatedAt", http::TimestampValue(k.updated_at)}});
  }
  const int64_t pages = (keys.total + page_size - 1) / page_size;
  return json::object{{"keys", std::move(out)},
                      {"page", page},
                      {"pageSize", page_size},
                      {"totalCount", keys.total},
                      {"totalPages", pages}};
}

Result<json::object> CountMemories(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(int64_t count, ctx.service.Count(ctx.space));
  return json::object{{"count", count}, {"limit", ctx.service.options().max_memories_per_space}};
}

Result<json::object> MemoryExists(ToolContext& ctx) {
  const std::string key = ArgString(ctx.args, "key").value_or("");
  MEMORYD_ASSIGN_OR_RETURN(bool exists, ctx.service.Exists(ctx.space, key));
  return json::object{{"key", key}, {"exists", exists}};
}

Result<json::object> ClearMemories(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(int64_t deleted, ctx.service.Clear(ctx.space));
  return json::object{{"cleared", true}, {"deletedCount", deleted}};
}

Result<json::object> SetMemories(ToolContext& ctx) {
  std::vector<BulkItem> items;
  std::vector<std::string> keys;
  const json::value* value = ctx.args.if_contains("items");
  for (const auto& item :
       value != nullptr && value->is_array() ? value->get_array() : json::array()) {
    const json::object& object = item.get_object();  // the schema requires objects
    items.push_back(BulkItem{ArgMemoryInput(object), ""});
    keys.push_back(ArgString(object, "key").value_or(""));
  }
  MEMORYD_ASSIGN_OR_RETURN(auto outcomes, ctx.service.BulkPut(ctx.space, std::move(items)));
  json::array results;
  int64_t stored = 0;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    json::object r{{"key", keys[i]}, {"stored", outcomes[i].outcome.has_value()}};
    if (outcomes[i].outcome) {
      ++stored;
      r["created"] = outcomes[i].outcome->created;
    } else {
      r["error"] = outcomes[i].error;
    }
    results.push_back(std::move(r));
  }
  const auto errors = static_cast<int64_t>(outcomes.size()) - stored;
  return json::object{
      {"storedCount", stored}, {"errorCount", errors}, {"results", std::move(results)}};
}

Result<json::object> GetMemories(ToolContext& ctx) {
  const std::vector<std::string> keys = ArgStrings(ctx.args, "keys");
  MEMORYD_ASSIGN_OR_RETURN(auto found, ctx.service.BulkGet(ctx.space, keys));
  json::array items;
  int64_t hits = 0;
  for (size_t i = 0; i < found.size(); ++i) {
    json::object item{{"key", keys[i]}, {"found", found[i].has_value()}};
    if (found[i]) {
      ++hits;
      item["memory"] = http::SemanticMemoryJson(*found[i]);
    }
    items.push_back(std::move(item));
  }
  const auto misses = static_cast<int64_t>(found.size()) - hits;
  return json::object{{"items", std::move(items)}, {"foundCount", hits}, {"missingCount", misses}};
}

Result<json::object> DeleteMemories(ToolContext& ctx) {
  const std::vector<std::string> keys = ArgStrings(ctx.args, "keys");
  MEMORYD_ASSIGN_OR_RETURN(auto deleted, ctx.service.BulkDelete(ctx.space, keys));
  json::array results;
  int64_t n = 0;
  for (size_t i = 0; i < deleted.size(); ++i) {
    n += deleted[i] ? 1 : 0;
    results.push_back(json::object{{"key", keys[i]}, {"deleted", static_cast<bool>(deleted[i])}});
  }
  const auto missing = static_cast<int64_t>(deleted.size()) - n;
  return json::object{
      {"deletedCount", n}, {"missingCount", missing}, {"results", std::move(results)}};
}

Result<json::object> ListTags(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(auto tags, ctx.service.ListTags(ctx.space));
  return json::object{{"tags", http::StringsValue(tags)}};
}

Result<json::object> CreateTag(ToolContext& ctx) {
  const std::string name = ArgString(ctx.args, "name").value_or("");
  MEMORYD_ASSIGN_OR_RETURN(bool created, ctx.service.CreateTag(ctx.space, name));
  return json::object{{"name", name}, {"created", created}};
}

Result<json::object> DeleteTag(ToolContext& ctx) {
  const std::string name = ArgString(ctx.args, "name").value_or("");
  MEMORYD_RETURN_IF_ERROR(ctx.service.DeleteTag(ctx.space, name));
  return json::object{{"name", name}, {"deleted", true}};
}

Result<json::object> KeysWithTags(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(auto keys,
                           ctx.service.KeysWithTags(ctx.space, ArgStrings(ctx.args, "tags")));
  return json::object{{"keys", http::StringsValue(keys)}};
}

Result<json::object> DescribeSpace(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(SpaceSummary s, ctx.service.Summary(ctx.space));
  return json::object{{"name", s.info.name},
                      {"description", s.info.description},
                      {"memoryCount", s.info.memory_count},
                      {"memoryLimit", s.memory_limit},
                      {"tagCount", s.info.tag_count},
                      {"tagLimit", s.tag_limit},
                      {"lastUsed", http::TimestampValue(s.last_used)}};
}

constexpr const char* kSpaceOnly =
    R"json({"type": "object", "properties": {"space": "@space"}, "additionalProperties": false})json";
constexpr const char* kKeysInput = R"json({"type": "object", "properties": {
  "keys": "@keys", "space": "@space"}, "required": ["keys"], "additionalProperties": false})json";
constexpr const char* kTagNameInput = R"json({"type": "object", "properties": {
  "name": "@tag_name", "space": "@space"}, "required": ["name"], "additionalProperties": false})json";
constexpr const char* kKeysOutput =
    R"json({"type": "object", "properties": {"keys": "@strings"}, "required": ["keys"]})json";

// The table is long by nature: one entry per tool, each mostly schema and description text.
std::vector<ToolSpec> KeyValueSpecs() {
  constexpr auto kR = Access::kRead;
  constexpr auto kW = Access::kWrite;
  constexpr auto kS = ToolScope::kSpace;
  return {
      {"set_memory", "Set a memory by key",
       "Store text under a key, replacing whatever that key held (tags and expiry included). Use "
       "it as a durable scratchpad for things looked up by name: settings, state, running notes. "
       "Read it back with get_memory by key.",
       R"json({"type": "object", "properties": {
         "key": "@key", "text": "@text", "title": "@title", "tags": "@tags", "metadata": "@metadata",
         "ttl_minutes": "@ttl_minutes", "space": "@space"},
         "required": ["key", "text"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"memory": "@memory",
         "created": {"type": "boolean", "description": "true for a new key, false when it replaced one"}},
         "required": ["memory", "created"]})json",
       kW, true, true, kS, SetMemory},
      {"find_memories", "Find memories containing text",
       "Find memories whose key or text contains the given text (case-insensitive, exact "
       "characters). Use it for names, ids or phrases you know appear verbatim; use "
       "search_memories to search by meaning.",
       R"json({"type": "object", "properties": {
         "text": {"type": "string", "minLength": 1, "description": "The text to look for."},
         "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20, "description": "How many at most (1-50, default 20)."},
         "space": "@space"},
         "required": ["text"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"memories": "@memories", "count": {"type": "integer"}},
         "required": ["memories", "count"]})json",
       kR, false, true, kS, FindMemories},
      {"list_keys", "List keys",
       "List the keys of a space with when each was last updated, newest first, a page at a time.",
       R"json({"type": "object", "properties": {
         "page": {"type": "integer", "minimum": 1, "default": 1, "description": "Page number, from 1."},
         "page_size": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50, "description": "Keys per page (1-200, default 50)."},
         "space": "@space"},
         "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "keys": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "updatedAt": "@timestamp"}, "required": ["key", "updatedAt"]}},
         "page": {"type": "integer"}, "pageSize": {"type": "integer"},
         "totalCount": {"type": "integer"}, "totalPages": {"type": "integer"}},
         "required": ["keys", "page", "pageSize", "totalCount", "totalPages"]})json",
       kR, false, true, kS, ListKeys},
      {"count_memories", "Count memories",
       "Count the memories stored in a space, with the space's limit (0 means no limit).",
       kSpaceOnly,
       R"json({"type": "object", "properties": {"count": {"type": "integer"}, "limit": {"type": "integer"}},
         "required": ["count", "limit"]})json",
       kR, false, true, kS, CountMemories},
      {"memory_exists", "Check a key exists",
       "Check whether a key holds a memory, without fetching it.",
       R"json({"type": "object", "properties": {"key": "@key", "space": "@space"},
         "required": ["key"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"key": {"type": "string"}, "exists": {"type": "boolean"}},
         "required": ["key", "exists"]})json",
       kR, false, true, kS, MemoryExists},
      {"clear_memories", "Delete all memories of a space",
       "Permanently delete every memory in a space; its tags stay. Only do this when the user "
       "clearly asks for it. This cannot be undone.",
       kSpaceOnly,
       R"json({"type": "object", "properties": {"cleared": {"type": "boolean"}, "deletedCount": {"type": "integer"}},
         "required": ["cleared", "deletedCount"]})json",
       kW, true, true, kS, ClearMemories},
  };
}

std::vector<ToolSpec> BulkAndTagSpecs() {
  constexpr auto kR = Access::kRead;
  constexpr auto kW = Access::kWrite;
  constexpr auto kS = ToolScope::kSpace;
  return {
      {"set_memories", "Set several memories by key",
       "Store up to 20 keyed memories in one call, each replacing what its key held. Each item "
       "succeeds or fails on its own; check results.",
       R"json({"type": "object", "properties": {
         "items": {"type": "array", "minItems": 1, "maxItems": 20, "description": "The memories to store, at most 20.",
           "items": {"type": "object", "properties": {
             "key": "@key", "text": "@text", "title": "@title", "tags": "@tags",
             "metadata": "@metadata", "ttl_minutes": "@ttl_minutes"},
             "required": ["key", "text"], "additionalProperties": false}},
         "space": "@space"},
         "required": ["items"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "storedCount": {"type": "integer"}, "errorCount": {"type": "integer"},
         "results": {"type": "array", "items": {"type": "object", "properties": {
           "key": {"type": "string"}, "stored": {"type": "boolean"}, "created": {"type": "boolean"}, "error": {"type": "string"}},
           "required": ["key", "stored"]}}},
         "required": ["storedCount", "errorCount", "results"]})json",
       kW, true, true, kS, SetMemories},
      {"get_memories", "Get several memories by key",
       "Fetch up to 50 memories by key in one call; keys that hold nothing come back with "
       "found: false.",
       kKeysInput,
       R"json({"type": "object", "properties": {
         "items": {"type": "array", "items": {"type": "object", "properties": {
           "key": {"type": "string"}, "found": {"type": "boolean"}, "memory": "@memory"},
           "required": ["key", "found"]}},
         "foundCount": {"type": "integer"}, "missingCount": {"type": "integer"}},
         "required": ["items", "foundCount", "missingCount"]})json",
       kR, false, true, kS, GetMemories},
      {"delete_memories", "Delete several memories by key",
       "Permanently delete up to 50 memories by key in one call. This cannot be undone.",
       kKeysInput,
       R"json({"type": "object", "properties": {
         "deletedCount": {"type": "integer"}, "missingCount": {"type": "integer"},
         "results": {"type": "array", "items": {"type": "object", "properties": {
           "key": {"type": "string"}, "deleted": {"type": "boolean"}}, "required": ["key", "deleted"]}}},
         "required": ["deletedCount", "missingCount", "results"]})json",
       kW, true, true, kS, DeleteMemories},
      {"list_tags", "List tags", "List every tag defined in a space, sorted by name.", kSpaceOnly,
       R"json({"type": "object", "properties": {"tags": "@strings"}, "required": ["tags"]})json",
       kR, false, true, kS, ListTags},
      {"create_tag", "Create a tag",
       "Define a tag in a space before using it (tags given when storing a memory are created "
       "automatically). created is false when it already existed.",
       kTagNameInput,
       R"json({"type": "object", "properties": {"name": {"type": "string"}, "created": {"type": "boolean"}},
         "required": ["name", "created"]})json",
       kW, false, true, kS, CreateTag},
      {"delete_tag", "Delete a tag",
       "Delete a tag from a space and remove it from every memory that carries it. The memories "
       "themselves stay.",
       kTagNameInput,
       R"json({"type": "object", "properties": {"name": {"type": "string"}, "deleted": {"type": "boolean"}},
         "required": ["name", "deleted"]})json",
       kW, true, true, kS, DeleteTag},
      {"list_keys_by_tags", "List keys by tags",
       "List the keys of the memories that carry every one of the given tags.",
       R"json({"type": "object", "properties": {
         "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}, "description": "Memories must carry all of these tags."},
         "space": "@space"},
         "required": ["tags"], "additionalProperties": false})json",
       kKeysOutput, kR, false, true, kS, KeysWithTags},
      {"describe_space", "Describe a space",
       "Summarise a space: its memory and tag counts, its limits and when it was last used.",
       kSpaceOnly,
       R"json({"type": "object", "properties": {
         "name": {"type": "string"}, "description": {"type": "string"},
         "memoryCount": {"type": "integer"}, "memoryLimit": {"type": "integer"},
         "tagCount": {"type": "integer"}, "tagLimit": {"type": "integer"}, "lastUsed": "@timestamp"},
         "required": ["name", "memoryCount", "memoryLimit", "tagCount", "tagLimit"]})json",
       kR, false, true, kS, DescribeSpace},
  };
}

}  // namespace

std::vector<ToolSpec> CapsuleToolSpecs() {
  std::vector<ToolSpec> specs = KeyValueSpecs();
  for (const ToolSpec& s : BulkAndTagSpecs()) specs.push_back(s);
  return specs;
}

}  // namespace memoryd::mcp
