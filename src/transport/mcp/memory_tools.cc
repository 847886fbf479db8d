// The semantic memory tools (seed 000's operations): add, search, list, get, update and delete
// memories, and list and delete spaces. Each handler reads its validated arguments, calls
// MemoryService and encodes the answer in the REST dialect's JSON shapes.
#include "core/time_format.h"
#include "transport/http/json_text.h"
#include "transport/http/semantic_codec.h"
#include "transport/mcp/tool_args.h"
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {
namespace {

constexpr int64_t kDefaultTopK = 10;
constexpr int64_t kDefaultListLimit = 20;

json::object MemoryResult(const Memory& memory) {
  return json::object{{"memory", http::SemanticMemoryJson(memory)}};
}

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
      filter.metadata.push_back({std::string(key), http::SerializeJson(expected)});
    }
  }
  MEMORYD_ASSIGN_OR_RETURN(filter.created_after, FilterTime(f, "created_after"));
  MEMORYD_ASSIGN_OR_RETURN(filter.created_before, FilterTime(f, "created_before"));
  return filter;
}

Result<json::object> AddMemory(ToolContext& ctx) {
  const bool dedupe = ArgBool(ctx.args, "dedupe", false);
  MEMORYD_ASSIGN_OR_RETURN(AddResult added,
                           ctx.service.Add(ctx.space, ArgMemoryInput(ctx.args), dedupe));
  return json::object{{"memory", http::SemanticMemoryJson(added.memory)},
                      {"created", added.created},
                      {"duplicate", added.duplicate}};
}

Result<json::object> SearchMemories(ToolContext& ctx) {
  SearchQuery query;
  query.text = ArgString(ctx.args, "query").value_or("");
  query.top_k = ArgInteger(ctx.args, "top_k").value_or(kDefaultTopK);
  MEMORYD_ASSIGN_OR_RETURN(query.filter, ReadFilters(ctx.args));
  MEMORYD_ASSIGN_OR_RETURN(auto answer, ctx.service.Search(ctx.space, query));
  json::array memories;
  for (const SearchResult& r : answer.results) memories.push_back(http::SearchResultJson(r));
  const auto count = static_cast<int64_t>(memories.size());
  json::object out{{"memories", std::move(memories)}, {"count", count}};
  if (!answer.degraded.empty()) out["degraded"] = answer.degraded;
  return out;
}

Result<json::object> ListMemories(ToolContext& ctx) {
  const int64_t limit = ArgInteger(ctx.args, "limit").value_or(kDefaultListLimit);
  const std::string cursor = ArgString(ctx.args, "cursor").value_or("");
  MEMORYD_ASSIGN_OR_RETURN(RecentPage page, ctx.service.Recent(ctx.space, limit, cursor));
  json::array memories;
  for (const Memory& m : page.memories) memories.push_back(http::SemanticMemoryJson(m));
  json::value next = page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr);
  return json::object{{"memories", std::move(memories)}, {"nextCursor", std::move(next)}};
}

Result<Memory> Lookup(ToolContext& ctx, const MemoryAddress& address) {
  if (address.id) return ctx.service.GetById(ctx.principal, *address.id);
  return ctx.service.Get(ctx.space, *address.key);
}

Result<json::object> GetMemory(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(MemoryAddress address, ArgAddress(ctx.args));
  MEMORYD_ASSIGN_OR_RETURN(Memory memory, Lookup(ctx, address));
  return MemoryResult(memory);
}

Result<MemoryPatch> ReadPatch(const json::object& args) {
  MemoryPatch patch;
  patch.title = ArgString(args, "title");
  patch.text = ArgString(args, "text");
  if (const json::value* tags = args.if_contains("tags"); tags && !tags->is_null()) {
    patch.tags = ArgStrings(args, "tags");
  }
  patch.metadata_json = ArgObjectText(args, "metadata");
  patch.ttl_minutes = ArgNumber(args, "ttl_minutes");
  if (!patch.title && !patch.text && !patch.tags && !patch.metadata_json && !patch.ttl_minutes) {
    return Status::InvalidArgument(
        "nothing to change: give at least one of 'text', 'title', 'tags', 'metadata' or "
        "'ttl_minutes'");
  }
  return patch;
}

Result<json::object> UpdateMemory(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(MemoryAddress address, ArgAddress(ctx.args));
  MEMORYD_ASSIGN_OR_RETURN(MemoryPatch patch, ReadPatch(ctx.args));
  std::string id = address.id.value_or("");
  if (!address.id) {
    MEMORYD_ASSIGN_OR_RETURN(Memory current, ctx.service.Get(ctx.space, *address.key));
    id = current.id;
  }
  MEMORYD_ASSIGN_OR_RETURN(Memory updated, ctx.service.UpdateById(ctx.principal, id, patch));
  return MemoryResult(updated);
}

Result<json::object> DeleteMemory(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(MemoryAddress address, ArgAddress(ctx.args));
  if (address.id) {
    MEMORYD_RETURN_IF_ERROR(ctx.service.DeleteById(ctx.principal, *address.id));
    return json::object{{"id", *address.id}, {"deleted", true}};
  }
  MEMORYD_RETURN_IF_ERROR(ctx.service.Delete(ctx.space, *address.key));
  return json::object{{"key", *address.key}, {"deleted", true}};
}

Result<json::object> ListSpaces(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(auto spaces, ctx.service.ListSpaces(ctx.principal));
  json::array out;
  for (const SpaceInfo& s : spaces) out.push_back(http::SpaceJson(s));
  return json::object{{"spaces", std::move(out)}};
}

Result<json::object> DeleteSpace(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(int64_t deleted, ctx.service.DeleteSpace(ctx.space));
  return json::object{{"space", ctx.space.name}, {"deleted", true}, {"memoriesDeleted", deleted}};
}

constexpr const char* kMemoryOutput = R"json({"type": "object",
  "properties": {"memory": "@memory"}, "required": ["memory"]})json";

}  // namespace

std::vector<ToolSpec> MemoryToolSpecs() {
  constexpr auto kR = Access::kRead;
  constexpr auto kW = Access::kWrite;
  constexpr auto kS = ToolScope::kSpace;
  return {
      {"add_memory", "Add a memory",
       "Store something worth remembering across conversations: a fact about the user, a "
       "decision, a preference, a result. Write the text as one to a few self-contained sentences. "
       "It becomes searchable by meaning and by words at once. Give a key to be able to replace or "
       "fetch it by name later (the same key replaces the old memory); set dedupe to skip storing "
       "a near-copy of something already remembered.",
       R"json({"type": "object", "properties": {
         "text": "@text", "title": "@title", "tags": "@tags", "metadata": "@metadata",
         "key": "@key", "ttl_minutes": "@ttl_minutes",
         "dedupe": {"type": "boolean", "description": "If a memory in the space already says nearly the same (score >= 0.95), return it instead of storing a new one. Default false."},
         "space": "@space"},
         "required": ["text"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "memory": "@memory",
         "created": {"type": "boolean", "description": "true when a new memory was stored"},
         "duplicate": {"type": "boolean", "description": "true when dedupe found a near-copy and stored nothing"}},
         "required": ["memory", "created", "duplicate"]})json",
       kW, false, false, kS, AddMemory},
      {"search_memories", "Search memories",
       "Find the memories most relevant to a question or topic, by meaning and by words (hybrid "
       "search). Use it before answering anything that may depend on what was remembered, and "
       "before adding a memory, to avoid duplicates. Results come best first with a score from 0 "
       "to 1: above 0.8 is a strong match, 0.95 or more a near-duplicate.",
       R"json({"type": "object", "properties": {
         "query": {"type": "string", "minLength": 1, "description": "What to look for, in natural language, e.g. \"the user's editor preferences\"."},
         "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10, "description": "How many results at most (1-100, default 10)."},
         "filters": {"type": "object", "additionalProperties": false, "description": "Only memories meeting every condition given.",
           "properties": {
             "tags": {"type": "array", "items": {"type": "string"}, "description": "Carries at least one of these tags."},
             "tags_all": {"type": "array", "items": {"type": "string"}, "description": "Carries every one of these tags."},
             "metadata": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}, "description": "Top-level metadata fields that must equal these values, e.g. {\"source\": \"chat\"}."},
             "created_after": {"type": "string", "description": "Created after this ISO-8601 time, e.g. 2026-05-01T00:00:00Z."},
             "created_before": {"type": "string", "description": "Created before this ISO-8601 time."}}},
         "space": "@space"},
         "required": ["query"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "memories": {"type": "array", "items": "@scored_memory"},
         "count": {"type": "integer"},
         "degraded": {"type": "string", "description": "Present when only words were matched (the embedder is unavailable), and why."}},
         "required": ["memories", "count"]})json",
       kR, false, true, kS, SearchMemories},
      {"list_memories", "List recent memories",
       "List the memories of a space, newest first, a page at a time. Use it to review what is "
       "stored; to find something specific, search_memories is better. Pass nextCursor from one "
       "answer as cursor to get the next page.",
       R"json({"type": "object", "properties": {
         "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20, "description": "Memories per page (1-200, default 20)."},
         "cursor": {"type": "string", "description": "nextCursor from the previous page; leave it out for the first page."},
         "space": "@space"},
         "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "memories": "@memories",
         "nextCursor": {"type": ["string", "null"], "description": "Pass as cursor for the next page; null on the last page."}},
         "required": ["memories", "nextCursor"]})json",
       kR, false, true, kS, ListMemories},
      {"get_memory", "Get a memory",
       "Fetch one memory by its id, or by its key in a space. Give exactly one of id and key.",
       R"json({"type": "object", "properties": {"id": "@id", "key": "@key", "space": "@space"},
         "additionalProperties": false})json",
       kMemoryOutput, kR, false, true, kS, GetMemory},
      {"update_memory", "Update a memory",
       "Change parts of one memory, addressed by id or by key: only the fields given change. Use "
       "it to correct or extend what was remembered instead of adding a second, conflicting "
       "memory. Giving ttl_minutes restarts the expiry from now.",
       R"json({"type": "object", "properties": {
         "id": "@id", "key": "@key", "text": "@text", "title": "@title", "tags": "@tags",
         "metadata": "@metadata", "ttl_minutes": "@ttl_minutes", "space": "@space"},
         "additionalProperties": false})json",
       kMemoryOutput, kW, true, true, kS, UpdateMemory},
      {"delete_memory", "Delete a memory",
       "Permanently delete one memory, addressed by id or by key. Use it when the user asks to "
       "forget something or a memory is wrong. This cannot be undone.",
       R"json({"type": "object", "properties": {"id": "@id", "key": "@key", "space": "@space"},
         "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "id": {"type": "string"}, "key": {"type": "string"}, "deleted": {"type": "boolean"}},
         "required": ["deleted"]})json",
       kW, true, true, kS, DeleteMemory},
      {"list_spaces", "List spaces",
       "List the spaces this key can see, with how many memories each holds.",
       R"json({"type": "object", "properties": {}, "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"spaces": {"type": "array", "items": "@space_info"}},
         "required": ["spaces"]})json",
       kR, false, true, ToolScope::kAccount, ListSpaces},
      {"delete_space", "Delete a space",
       "Permanently delete a whole space and every memory in it. Only do this when the user "
       "clearly asks for it. This cannot be undone.",
       R"json({"type": "object", "properties": {"space": "@space"}, "additionalProperties": false})json",
       R"json({"type": "object", "properties": {
         "space": {"type": "string"}, "deleted": {"type": "boolean"}, "memoriesDeleted": {"type": "integer"}},
         "required": ["space", "deleted", "memoriesDeleted"]})json",
       kW, true, true, kS, DeleteSpace},
  };
}

}  // namespace memoryd::mcp
