// The tools that store and read memories: add (one, keyed or not, or several by key), search by
// meaning and words, list (newest first, or filtered by text or tags) and get (by id or key, or
// several by keys). Each handler reads its validated arguments, calls MemoryService and encodes
// the answer in the REST dialects' JSON shapes.
#include "codec/json_text.h"
#include "codec/semantic_codec.h"
#include "core/time_format.h"
#include "transport/mcp/tool_args.h"
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {
namespace {

constexpr int64_t kDefaultTopK = 10;
constexpr int64_t kDefaultListLimit = 20;

Result<std::optional<int64_t>> FilterTime(const json::object& filters, std::string_view name) {
  auto text = ArgString(filters, name);
  if (!text) return std::optional<int64_t>();
  auto millis = ParseIsoMillis(*text);
  if (!millis) {
    return Status::InvalidArgument("'filters." + std::string(name) +
                                   "' must be an ISO-8601 time such as 2026-05-11T12:00:00.000Z");
  }
  return std::optional<int64_t>(*millis);
}

Result<SearchFilter> ReadFilters(const json::object& args) {
  SearchFilter filter;
  const json::value* value = args.if_contains("filters");
  if (value == nullptr || !value->is_object()) return filter;
  const json::object& f = value->get_object();
  filter.tags_any = ArgStrings(f, "tags");
  filter.tags_all = ArgStrings(f, "tags_all");
  if (const json::value* metadata = f.if_contains("metadata"); metadata && metadata->is_object()) {
    for (const auto& [key, expected] : metadata->get_object()) {
      filter.metadata.push_back({std::string(key), codec::SerializeJson(expected)});
    }
  }
  MEMORYD_ASSIGN_OR_RETURN(filter.created_after, FilterTime(f, "created_after"));
  MEMORYD_ASSIGN_OR_RETURN(filter.created_before, FilterTime(f, "created_before"));
  return filter;
}

json::object MemoriesResult(const std::vector<Memory>& memories,
                            const std::optional<std::string>& next_cursor) {
  json::array out;
  for (const Memory& m : memories) out.push_back(codec::SemanticMemoryJson(m));
  json::value next = next_cursor ? json::value(*next_cursor) : json::value(nullptr);
  return json::object{{"memories", std::move(out)}, {"nextCursor", std::move(next)}};
}

// Several keyed memories in one call; each item succeeds or fails on its own.
Result<json::object> AddMany(ToolContext& ctx) {
  std::vector<BulkItem> items;
  std::vector<std::string> keys;
  for (const auto& item : ctx.args.at("items").get_array()) {
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

Result<json::object> AddMemory(ToolContext& ctx) {
  const bool many = ctx.args.contains("items");
  if (many && ctx.args.size() > (ctx.args.contains("space") ? 2u : 1u)) {
    return Status::InvalidArgument("with 'items', give the memories' fields inside each item");
  }
  if (!many && !ctx.args.contains("text")) {
    return Status::InvalidArgument("'text' is required (or 'items' to store several memories)");
  }
  if (many) return AddMany(ctx);
  MemoryInput input = ArgMemoryInput(ctx.args);
  const bool dedupe = ArgBool(ctx.args, "dedupe", false);
  AddResult added;
  if (input.key && !dedupe) {
    // A keyed write is the capsule's put; it needs no search engine to store.
    MEMORYD_ASSIGN_OR_RETURN(PutOutcome put, ctx.service.Put(ctx.space, std::move(input), "text"));
    added = AddResult{std::move(put.memory), put.created, false};
  } else {
    MEMORYD_ASSIGN_OR_RETURN(added, ctx.service.Add(ctx.space, std::move(input), dedupe));
  }
  return json::object{{"memory", codec::SemanticMemoryJson(added.memory)},
                      {"created", added.created},
                      {"duplicate", added.duplicate}};
}

Result<json::object> SearchMemories(ToolContext& ctx) {
  SearchQuery query;
  query.text = ArgString(ctx.args, "query").value_or("");
  query.top_k = ArgInteger(ctx.args, "top_k").value_or(kDefaultTopK);
  query.min_score = ArgNumber(ctx.args, "min_score").value_or(0);
  query.explain = ArgBool(ctx.args, "explain", false);
  MEMORYD_ASSIGN_OR_RETURN(query.filter, ReadFilters(ctx.args));
  MEMORYD_ASSIGN_OR_RETURN(auto answer, ctx.service.Search(ctx.space, query));
  json::array memories;
  for (const SearchResult& r : answer.results) memories.push_back(codec::SearchResultJson(r));
  const auto count = static_cast<int64_t>(memories.size());
  json::object out{{"memories", std::move(memories)}, {"count", count}};
  if (!answer.degraded.empty()) out["degraded"] = answer.degraded;
  return out;
}

Result<json::object> ListMemories(ToolContext& ctx) {
  const auto contains = ArgString(ctx.args, "contains");
  const std::vector<std::string> tags = ArgStrings(ctx.args, "tags");
  const int64_t limit = ArgInteger(ctx.args, "limit").value_or(kDefaultListLimit);
  if (contains && !tags.empty()) {
    return Status::InvalidArgument("give 'contains' or 'tags', not both");
  }
  if ((contains || !tags.empty()) && ctx.args.contains("cursor")) {
    return Status::InvalidArgument(
        "'cursor' pages the plain list only; with 'contains' or 'tags' there is one page");
  }
  if (contains) {
    MEMORYD_ASSIGN_OR_RETURN(auto found, ctx.service.FindSubstring(ctx.space, *contains, limit));
    return MemoriesResult(found, std::nullopt);
  }
  if (!tags.empty()) {
    MEMORYD_ASSIGN_OR_RETURN(auto tagged, ctx.service.WithAllTags(ctx.space, tags, limit));
    return MemoriesResult(tagged, std::nullopt);
  }
  const std::string cursor = ArgString(ctx.args, "cursor").value_or("");
  MEMORYD_ASSIGN_OR_RETURN(RecentPage page, ctx.service.Recent(ctx.space, limit, cursor));
  return MemoriesResult(page.memories, page.next_cursor);
}

Result<json::object> GetMany(ToolContext& ctx) {
  const std::vector<std::string> keys = ArgStrings(ctx.args, "keys");
  MEMORYD_ASSIGN_OR_RETURN(auto found, ctx.service.BulkGet(ctx.space, keys));
  json::array items;
  int64_t hits = 0;
  for (size_t i = 0; i < found.size(); ++i) {
    json::object item{{"key", keys[i]}, {"found", found[i].has_value()}};
    if (found[i]) {
      ++hits;
      item["memory"] = codec::SemanticMemoryJson(*found[i]);
    }
    items.push_back(std::move(item));
  }
  const auto misses = static_cast<int64_t>(found.size()) - hits;
  return json::object{{"items", std::move(items)}, {"foundCount", hits}, {"missingCount", misses}};
}

Result<json::object> GetMemory(ToolContext& ctx) {
  if (ctx.args.contains("keys")) {
    if (ctx.args.contains("id") || ctx.args.contains("key")) {
      return Status::InvalidArgument("give 'id', 'key' or 'keys', only one of them");
    }
    return GetMany(ctx);
  }
  MEMORYD_ASSIGN_OR_RETURN(MemoryAddress address, ArgAddress(ctx.args));
  MEMORYD_ASSIGN_OR_RETURN(Memory memory, LookUp(ctx, address));
  return json::object{{"memory", codec::SemanticMemoryJson(memory)}};
}

constexpr const char* kAddInput = R"json({"type": "object", "properties": {
  "text": "@text", "key": "@key", "title": "@title", "tags": "@tags", "metadata": "@metadata",
  "ttl_minutes": "@ttl_minutes",
  "dedupe": {"type": "boolean", "description": "If a near-identical memory exists, return it and store nothing."},
  "items": {"type": "array", "minItems": 1, "maxItems": 20, "description": "Instead of text: up to 20 keyed memories, each stored or refused on its own.",
    "items": {"type": "object", "properties": {"key": "@key", "text": "@text", "title": "@title",
      "tags": "@tags", "metadata": "@metadata", "ttl_minutes": "@ttl_minutes"},
      "required": ["key", "text"], "additionalProperties": false}},
  "space": "@space"}, "additionalProperties": false})json";

constexpr const char* kAddOutput = R"json({"type": "object", "properties": {
  "memory": "@memory", "created": {"type": "boolean"}, "duplicate": {"type": "boolean"},
  "storedCount": "@count", "errorCount": "@count",
  "results": {"type": "array", "items": {"type": "object"}}}})json";

constexpr const char* kSearchInput = R"json({"type": "object", "properties": {
  "query": {"type": "string", "minLength": 1, "description": "What to look for, in natural language."},
  "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Most results to return (default 10)."},
  "min_score": {"type": "number", "minimum": 0, "maximum": 1, "description": "Leave out results scoring below this."},
  "explain": {"type": "boolean", "description": "Show why each result matched."},
  "filters": {"type": "object", "additionalProperties": false, "description": "Conditions every result meets.",
    "properties": {
      "tags": {"type": "array", "items": {"type": "string"}, "description": "Has one of these tags."},
      "tags_all": {"type": "array", "items": {"type": "string"}, "description": "Has all of these tags."},
      "metadata": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}, "description": "Top-level metadata fields equal to these."},
      "created_after": {"type": "string", "description": "ISO-8601 time."},
      "created_before": {"type": "string", "description": "ISO-8601 time."}}},
  "space": "@space"}, "required": ["query"], "additionalProperties": false})json";

constexpr const char* kListInput = R"json({"type": "object", "properties": {
  "limit": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Page size (default 20; at most 50 with contains)."},
  "cursor": {"type": "string", "description": "nextCursor of the previous page."},
  "contains": {"type": "string", "minLength": 1, "description": "Only memories whose key or text contains this, any case (one page)."},
  "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}, "description": "Only memories with all these tags (one page)."},
  "space": "@space"}, "additionalProperties": false})json";

}  // namespace

Result<Memory> LookUp(ToolContext& ctx, const MemoryAddress& address) {
  if (address.id) return ctx.service.GetById(ctx.principal, *address.id);
  return ctx.service.Get(ctx.space, *address.key);
}

std::vector<ToolSpec> MemoryToolSpecs() {
  constexpr auto kR = Access::kRead;
  constexpr auto kS = ToolScope::kSpace;
  // add_memory is marked destructive: with a key it replaces what the key held.
  return {
      {"add_memory", "Add a memory",
       "Store a fact, preference or decision worth keeping across conversations. With key, it "
       "replaces what that key held. items stores several keyed memories at once.",
       kAddInput, kAddOutput, Access::kWrite, true, false, kS, AddMemory},
      {"search_memories", "Search memories",
       "Find memories by meaning and words, best first, scored 0 to 1 (above 0.8 is a strong "
       "match). Search before answering from memory and before adding.",
       kSearchInput,
       R"json({"type": "object", "properties": {"memories": {"type": "array", "items": "@scored_memory"},
         "count": "@count", "degraded": {"type": "string"}}, "required": ["memories", "count"]})json",
       kR, false, true, kS, SearchMemories},
      {"list_memories", "List memories",
       "List a space's memories newest first, a page at a time, or only those containing a text "
       "or carrying tags.",
       kListInput,
       R"json({"type": "object", "properties": {"memories": "@memories",
         "nextCursor": {"type": ["string", "null"]}}, "required": ["memories", "nextCursor"]})json",
       kR, false, true, kS, ListMemories},
      {"get_memory", "Get memories",
       "Fetch one memory by id or key, or several by keys (missing ones have found: false).",
       R"json({"type": "object", "properties": {"id": "@id", "key": "@key", "keys": "@keys",
         "space": "@space"}, "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"memory": "@memory",
         "items": {"type": "array", "items": {"type": "object"}},
         "foundCount": "@count", "missingCount": "@count"}})json",
       kR, false, true, kS, GetMemory},
  };
}

}  // namespace memoryd::mcp
