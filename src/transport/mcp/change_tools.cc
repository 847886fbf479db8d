// The tools that change or remove what is stored: update one memory, delete memories, delete a
// space. What removes more than one memory acts only on a space the call names itself, and a
// whole space only when `confirm` repeats its name: a model that guesses or leaves out
// arguments gets an error result that says what to send, and nothing is deleted.
#include "codec/semantic_codec.h"
#include "transport/mcp/tool_args.h"
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {
namespace {

// The space the call names in its own `space` argument, or why a bulk removal is refused.
Result<std::string> NamedSpace(const ToolContext& ctx, std::string_view example) {
  auto named = ArgString(ctx.args, "space");
  if (!named) {
    return Status::InvalidArgument(
        "this removes more than one memory, so name the space it acts on, e.g. " +
        std::string(example) + ". Nothing was deleted");
  }
  return *named;
}

// Refuses unless `confirm` repeats the space's name.
Status Confirmed(const ToolContext& ctx, const std::string& space, std::string_view example) {
  if (ArgString(ctx.args, "confirm") == space) return Status::Ok();
  return Status::InvalidArgument("this deletes every memory of space '" + space +
                                 "': send 'confirm' with the space's name, e.g. " +
                                 std::string(example) + ". Nothing was deleted");
}

Result<MemoryPatch> ReadPatch(const json::object& args) {
  // Absent: unchanged. null (title, ttl_minutes), [] (tags) and {} (metadata): cleared.
  MemoryPatch patch;
  patch.text = ArgString(args, "text");
  if (const json::value* title = args.if_contains("title")) {
    patch.title = title->is_string() ? std::string(title->get_string()) : std::string();
  }
  if (args.contains("tags")) patch.tags = ArgStrings(args, "tags");
  patch.metadata_json = ArgObjectText(args, "metadata");
  if (const json::value* ttl = args.if_contains("ttl_minutes")) {
    patch.ttl_minutes = ArgNumber(args, "ttl_minutes");
    patch.clear_expiry = ttl->is_null();
  }
  if (!patch.title && !patch.text && !patch.tags && !patch.metadata_json && !patch.ttl_minutes &&
      !patch.clear_expiry) {
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
  return json::object{{"memory", codec::SemanticMemoryJson(updated)}};
}

json::object ManyDeleted(const std::vector<std::string>& names, const std::vector<bool>& deleted,
                         std::string_view field) {
  json::array results;
  int64_t n = 0;
  for (size_t i = 0; i < deleted.size(); ++i) {
    n += deleted[i] ? 1 : 0;
    results.push_back(json::object{{field, names[i]}, {"deleted", static_cast<bool>(deleted[i])}});
  }
  const auto missing = static_cast<int64_t>(deleted.size()) - n;
  return json::object{
      {"deletedCount", n}, {"missingCount", missing}, {"results", std::move(results)}};
}

// Deletes by id only what lies in `space`: a list of ids is no way around naming the space.
Result<std::vector<bool>> DeleteIdsIn(ToolContext& ctx, const std::string& space,
                                      const std::vector<std::string>& ids) {
  std::vector<bool> deleted;
  for (const std::string& id : ids) {
    auto memory = ctx.service.GetById(ctx.principal, id);
    if (!memory.ok() && memory.status().code() != StatusCode::kNotFound) return memory.status();
    const bool here = memory.ok() && memory->space == space;
    if (here) MEMORYD_RETURN_IF_ERROR(ctx.service.DeleteById(ctx.principal, id));
    deleted.push_back(here);
  }
  return deleted;
}

Result<json::object> DeleteMany(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(std::string space,
                           NamedSpace(ctx, R"({"keys": ["a", "b"], "space": "default"})"));
  if (ArgBool(ctx.args, "all", false)) {
    const std::string example =
        R"({"all": true, "space": ")" + space + R"(", "confirm": ")" + space + R"("})";
    MEMORYD_RETURN_IF_ERROR(Confirmed(ctx, space, example));
    MEMORYD_ASSIGN_OR_RETURN(int64_t deleted, ctx.service.Clear(ctx.space));
    return json::object{{"space", space}, {"deletedCount", deleted}};
  }
  if (ctx.args.contains("keys")) {
    const std::vector<std::string> keys = ArgStrings(ctx.args, "keys");
    MEMORYD_ASSIGN_OR_RETURN(auto deleted, ctx.service.BulkDelete(ctx.space, keys));
    return ManyDeleted(keys, deleted, "key");
  }
  const std::vector<std::string> ids = ArgStrings(ctx.args, "ids");
  MEMORYD_ASSIGN_OR_RETURN(auto deleted, DeleteIdsIn(ctx, ctx.space.name, ids));
  return ManyDeleted(ids, deleted, "id");
}

Result<json::object> DeleteMemory(ToolContext& ctx) {
  int targets = 0;
  for (const char* name : {"id", "key", "ids", "keys"}) targets += ctx.args.contains(name) ? 1 : 0;
  const bool all = ArgBool(ctx.args, "all", false);
  if (targets + (all ? 1 : 0) != 1) {
    return Status::InvalidArgument(
        "say what to delete with exactly one of 'id', 'key', 'ids', 'keys' or 'all': true");
  }
  if (all || ctx.args.contains("ids") || ctx.args.contains("keys")) return DeleteMany(ctx);
  MEMORYD_ASSIGN_OR_RETURN(MemoryAddress address, ArgAddress(ctx.args));
  if (address.id) {
    MEMORYD_RETURN_IF_ERROR(ctx.service.DeleteById(ctx.principal, *address.id));
    return json::object{{"id", *address.id}, {"deleted", true}};
  }
  MEMORYD_RETURN_IF_ERROR(ctx.service.Delete(ctx.space, *address.key));
  return json::object{{"key", *address.key}, {"deleted", true}};
}

Result<json::object> DeleteSpace(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(std::string space,
                           NamedSpace(ctx, R"({"space": "NAME", "confirm": "NAME"})"));
  MEMORYD_RETURN_IF_ERROR(
      Confirmed(ctx, space, R"({"space": ")" + space + R"(", "confirm": ")" + space + R"("})"));
  MEMORYD_ASSIGN_OR_RETURN(int64_t deleted, ctx.service.DeleteSpace(ctx.space));
  return json::object{{"space", space}, {"deleted", true}, {"memoriesDeleted", deleted}};
}

constexpr const char* kUpdateInput = R"json({"type": "object", "properties": {
  "id": "@id", "key": "@key", "text": "@text",
  "title": {"type": ["string", "null"], "maxLength": 4096, "description": "New title; null clears it."},
  "tags": {"type": "array", "maxItems": 64, "items": {"type": "string", "minLength": 1, "maxLength": 64}, "description": "New tags; [] clears them."},
  "metadata": {"type": "object", "description": "New metadata; {} clears it."},
  "ttl_minutes": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 52704000, "description": "Expire this many minutes from now; null never expires."},
  "space": "@space"}, "additionalProperties": false})json";

constexpr const char* kDeleteInput = R"json({"type": "object", "properties": {
  "id": "@id", "key": "@key", "ids": "@ids", "keys": "@keys",
  "all": {"type": "boolean", "description": "Every memory of the space (its tags stay)."},
  "confirm": {"type": "string", "description": "With all: the space's name again."},
  "space": "@space"}, "additionalProperties": false})json";

constexpr const char* kDeleteOutput = R"json({"type": "object", "properties": {
  "id": {"type": "string"}, "key": {"type": "string"}, "deleted": {"type": "boolean"},
  "space": {"type": "string"}, "deletedCount": "@count", "missingCount": "@count",
  "results": {"type": "array", "items": {"type": "object"}}}})json";

}  // namespace

std::vector<ToolSpec> ChangeToolSpecs() {
  constexpr auto kW = Access::kWrite;
  constexpr auto kS = ToolScope::kSpace;
  return {
      {"update_memory", "Update a memory",
       "Change one memory, by id or key; only the fields given change. Prefer it to adding a "
       "contradicting memory. A ttl_minutes number restarts the expiry from now.",
       kUpdateInput,
       R"json({"type": "object", "properties": {"memory": "@memory"}, "required": ["memory"]})json",
       kW, true, true, kS, UpdateMemory},
      {"delete_memory", "Delete memories",
       "Permanently delete one memory (id or key), several (ids or keys, naming space), or all "
       "of a space (all: true, space, and confirm: the space's name).",
       kDeleteInput, kDeleteOutput, kW, true, true, kS, DeleteMemory},
      {"delete_space", "Delete a space",
       "Permanently delete a space with all its memories and tags, only when the user asks. "
       "Send space and confirm, both the space's name.",
       R"json({"type": "object", "properties": {"space": "@space",
         "confirm": {"type": "string", "description": "The space's name again."}},
         "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"space": {"type": "string"},
         "deleted": {"type": "boolean"}, "memoriesDeleted": "@count"},
         "required": ["space", "deleted", "memoriesDeleted"]})json",
       kW, true, true, kS, DeleteSpace},
  };
}

}  // namespace memoryd::mcp
