// The tools about spaces and tags: list the spaces, describe one (counts and limits), list a
// space's tags and delete one. Each handler reads its validated arguments, calls MemoryService
// and encodes.
#include "codec/json_codec.h"
#include "codec/semantic_codec.h"
#include "transport/mcp/tool_args.h"
#include "transport/mcp/tool_registry.h"

namespace memoryd::mcp {
namespace {

Result<json::object> ListSpaces(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(auto spaces, ctx.service.ListSpaces(ctx.principal));
  json::array out;
  for (const SpaceInfo& s : spaces) out.push_back(codec::SpaceJson(s));
  return json::object{{"spaces", std::move(out)}};
}

Result<json::object> DescribeSpace(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(SpaceSummary s, ctx.service.Summary(ctx.space));
  return json::object{{"name", s.info.name},
                      {"description", s.info.description},
                      {"memoryCount", s.info.memory_count},
                      {"memoryLimit", s.memory_limit},
                      {"tagCount", s.info.tag_count},
                      {"tagLimit", s.tag_limit},
                      {"lastUsed", codec::TimestampValue(s.last_used)}};
}

Result<json::object> ListTags(ToolContext& ctx) {
  MEMORYD_ASSIGN_OR_RETURN(auto tags, ctx.service.ListTags(ctx.space));
  return json::object{{"tags", codec::StringsValue(tags)}};
}

Result<json::object> DeleteTag(ToolContext& ctx) {
  const std::string name = ArgString(ctx.args, "name").value_or("");
  MEMORYD_RETURN_IF_ERROR(ctx.service.DeleteTag(ctx.space, name));
  return json::object{{"name", name}, {"deleted", true}};
}

constexpr const char* kSpaceOnly =
    R"json({"type": "object", "properties": {"space": "@space"}, "additionalProperties": false})json";

}  // namespace

std::vector<ToolSpec> SpaceToolSpecs() {
  constexpr auto kR = Access::kRead;
  constexpr auto kS = ToolScope::kSpace;
  return {
      {"list_spaces", "List spaces", "List the spaces this key can see, with their memory counts.",
       R"json({"type": "object", "properties": {}, "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"spaces": {"type": "array", "items": {"type": "object",
         "properties": {"name": {"type": "string"}, "count": "@count"}, "required": ["name", "count"]}}},
         "required": ["spaces"]})json",
       kR, false, true, ToolScope::kAccount, ListSpaces},
      {"describe_space", "Describe a space",
       "Count a space's memories and tags, with its limits (0: none) and when it was last used.",
       kSpaceOnly,
       R"json({"type": "object", "properties": {"name": {"type": "string"},
         "memoryCount": "@count", "memoryLimit": "@count", "tagCount": "@count", "tagLimit": "@count",
         "lastUsed": "@time"}, "required": ["name", "memoryCount", "memoryLimit", "tagCount", "tagLimit"]})json",
       kR, false, true, kS, DescribeSpace},
      {"list_tags", "List tags", "List the tags of a space, sorted by name.", kSpaceOnly,
       R"json({"type": "object", "properties": {"tags": "@strings"}, "required": ["tags"]})json",
       kR, false, true, kS, ListTags},
      {"delete_tag", "Delete a tag",
       "Delete a tag from a space and from every memory carrying it; the memories stay.",
       R"json({"type": "object", "properties": {"name": "@tag_name", "space": "@space"},
         "required": ["name"], "additionalProperties": false})json",
       R"json({"type": "object", "properties": {"name": {"type": "string"}, "deleted": {"type": "boolean"}},
         "required": ["name", "deleted"]})json",
       Access::kWrite, true, true, kS, DeleteTag},
  };
}

}  // namespace memoryd::mcp
