#include "transport/mcp/tool_registry.h"

#include "transport/mcp/json_rpc.h"

namespace memoryd::mcp {
namespace {

// Replaces every string "@name" in `value` by the fragment `name`, recursively (fragments may
// use fragments). kInternal for an unknown fragment.
Status Expand(json::value& value, const json::object& fragments, int depth = 0) {
  if (depth > 8) return Status::Internal("schema fragments nest too deeply");
  if (value.is_string() && value.get_string().starts_with("@")) {
    const std::string_view name = std::string_view(value.get_string()).substr(1);
    const json::value* fragment = fragments.if_contains(name);
    if (fragment == nullptr)
      return Status::Internal("unknown schema fragment @" + std::string(name));
    value = *fragment;
    return Expand(value, fragments, depth + 1);
  }
  if (value.is_object()) {
    for (auto& field : value.get_object()) {
      MEMORYD_RETURN_IF_ERROR(Expand(field.value(), fragments, depth));
    }
  } else if (value.is_array()) {
    for (auto& item : value.get_array()) MEMORYD_RETURN_IF_ERROR(Expand(item, fragments, depth));
  }
  return Status::Ok();
}

Result<json::object> LoadSchema(const char* text, const json::object& fragments,
                                const std::string& where) {
  auto parsed = ParseMessageText(text);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::Internal(where + " is not a JSON object");
  }
  json::value value = std::move(parsed).value();
  Status expanded = Expand(value, fragments);
  if (!expanded.ok()) return Status::Internal(where + ": " + expanded.message());
  return std::move(value.get_object());
}

json::object ListEntry(const Tool& tool) {
  const ToolSpec& s = tool.spec;
  const bool read_only = s.access == Access::kRead;
  json::object annotations{{"title", s.title},
                           {"readOnlyHint", read_only},
                           {"destructiveHint", !read_only && s.destructive},
                           {"idempotentHint", s.idempotent},
                           {"openWorldHint", false}};
  return json::object{{"name", s.name},
                      {"title", s.title},
                      {"description", s.description},
                      {"inputSchema", tool.input_schema},
                      {"outputSchema", tool.output_schema},
                      {"annotations", std::move(annotations)}};
}

}  // namespace

Result<std::unique_ptr<ToolRegistry>> ToolRegistry::Build(const std::vector<ToolSpec>& specs) {
  auto fragments_value = ParseMessageText(ToolSchemaFragments());
  if (!fragments_value.ok() || !fragments_value->is_object()) {
    return Status::Internal("the tool schema fragments are not a JSON object");
  }
  const json::object& fragments = fragments_value->get_object();
  auto registry = std::unique_ptr<ToolRegistry>(new ToolRegistry());
  for (const ToolSpec& spec : specs) {
    const std::string name(spec.name);
    MEMORYD_ASSIGN_OR_RETURN(auto input,
                             LoadSchema(spec.input_schema, fragments, name + " input schema"));
    MEMORYD_ASSIGN_OR_RETURN(auto output,
                             LoadSchema(spec.output_schema, fragments, name + " output schema"));
    registry->tools_.push_back(Tool{spec, std::move(input), std::move(output)});
  }
  for (const Tool& tool : registry->tools_) registry->list_json_.push_back(ListEntry(tool));
  return registry;
}

std::vector<ToolSpec> ToolRegistry::AllSpecs() {
  std::vector<ToolSpec> specs = MemoryToolSpecs();
  for (const ToolSpec& s : ChangeToolSpecs()) specs.push_back(s);
  for (const ToolSpec& s : SpaceToolSpecs()) specs.push_back(s);
  return specs;
}

const Tool* ToolRegistry::Find(std::string_view name) const {
  for (const Tool& tool : tools_) {
    if (name == tool.spec.name) return &tool;
  }
  return nullptr;
}

}  // namespace memoryd::mcp
