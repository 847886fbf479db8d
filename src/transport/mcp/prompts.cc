#include "transport/mcp/prompts.h"

#include <cstdio>

#include "transport/mcp/tool_args.h"

namespace memoryd::mcp {
namespace json = boost::json;
namespace {

constexpr int64_t kRecallTopK = 10;
constexpr size_t kMaxCompletions = 100;  // the protocol's cap on values per answer

json::object Argument(const char* name, const char* description, bool required) {
  return json::object{{"name", name}, {"description", description}, {"required", required}};
}

json::object UserMessage(std::string text) {
  return json::object{{"role", "user"},
                      {"content", json::object{{"type", "text"}, {"text", std::move(text)}}}};
}

bool IsKnownPrompt(std::string_view name) { return name == "recall" || name == "remember"; }

Result<std::string> Required(const json::object& args, const char* name) {
  auto value = ArgString(args, name);
  if (!value || value->empty()) {
    return Status::InvalidArgument("the prompt needs the argument '" + std::string(name) + "'");
  }
  return *value;
}

Result<json::object> Recall(MemoryService& service, const Principal& principal,
                            const std::string& space_name, const json::object& args) {
  MEMORYD_ASSIGN_OR_RETURN(std::string topic, Required(args, "topic"));
  MEMORYD_ASSIGN_OR_RETURN(SpaceRef space,
                           service.ResolveSpace(principal, space_name, Access::kRead));
  SearchQuery query;
  query.text = topic;
  query.top_k = kRecallTopK;
  MEMORYD_ASSIGN_OR_RETURN(auto answer, service.Search(space, query));
  const std::vector<SearchResult>& results = answer.results;
  std::string text = "Here is what memoryd remembers about \"" + topic + "\" in the space '" +
                     space.name + "', best match first (score 0-1):\n";
  for (const SearchResult& r : results) {
    char score[16];
    std::snprintf(score, sizeof(score), "%.2f", r.score);
    text += "- [" + std::string(score) + "] " +
            (r.memory.title.empty() ? "" : r.memory.title + ": ") + r.memory.text + " (id " +
            r.memory.id + ")\n";
  }
  if (results.empty()) text += "(nothing yet)\n";
  text += "Use these memories to answer; call search_memories for more.";
  return json::object{{"description", "Memories about " + topic},
                      {"messages", json::array{UserMessage(std::move(text))}}};
}

Result<json::object> Remember(const std::string& space_name, const json::object& args) {
  MEMORYD_ASSIGN_OR_RETURN(std::string what, Required(args, "text"));
  std::string text = "Please remember the following with the add_memory tool";
  if (!space_name.empty()) text += " (space: " + space_name + ")";
  text += ", as one or a few self-contained sentences:\n\n" + what;
  return json::object{{"description", "Store a memory"},
                      {"messages", json::array{UserMessage(std::move(text))}}};
}

}  // namespace

json::object ListPrompts() {
  json::object recall{
      {"name", "recall"},
      {"title", "Recall memories"},
      {"description", "Bring what memoryd remembers about a topic into the conversation"},
      {"arguments",
       json::array{Argument("topic", "What to recall", true),
                   Argument("space", "The space to search (default: default)", false)}}};
  json::object remember{
      {"name", "remember"},
      {"title", "Remember this"},
      {"description", "Ask the assistant to store something in memoryd"},
      {"arguments", json::array{Argument("text", "What to remember", true),
                                Argument("space", "The space to store it in", false)}}};
  return json::object{{"prompts", json::array{std::move(recall), std::move(remember)}}};
}

Result<json::object> GetPrompt(MemoryService& service, const Principal& principal,
                               const std::string& default_space, const json::object& params) {
  const std::string name = ArgString(params, "name").value_or("");
  const json::value* args_value = params.if_contains("arguments");
  const json::object empty;
  const json::object& args =
      args_value != nullptr && args_value->is_object() ? args_value->get_object() : empty;
  const std::string space = ArgString(args, "space").value_or(default_space);
  if (name == "recall") return Recall(service, principal, space, args);
  if (name == "remember") return Remember(space, args);
  return Status::InvalidArgument("unknown prompt '" + name + "'; prompts/list names the prompts");
}

Result<json::object> Complete(MemoryService& service, const Principal& principal,
                              const json::object& params) {
  const json::value* ref = params.if_contains("ref");
  const json::value* argument = params.if_contains("argument");
  if (ref == nullptr || !ref->is_object() || argument == nullptr || !argument->is_object()) {
    return Status::InvalidArgument("completion/complete needs params.ref and params.argument");
  }
  const std::string type = ArgString(ref->get_object(), "type").value_or("");
  if (type == "ref/prompt" && !IsKnownPrompt(ArgString(ref->get_object(), "name").value_or(""))) {
    return Status::InvalidArgument("unknown prompt; prompts/list names the prompts");
  }
  json::array values;
  if (ArgString(argument->get_object(), "name") == "space") {
    const std::string prefix = ArgString(argument->get_object(), "value").value_or("");
    MEMORYD_ASSIGN_OR_RETURN(auto spaces, service.ListSpaces(principal));
    for (const SpaceInfo& s : spaces) {
      if (s.name.starts_with(prefix) && values.size() < kMaxCompletions)
        values.push_back(json::value(s.name));
    }
  }
  const auto total = static_cast<int64_t>(values.size());
  return json::object{
      {"completion",
       json::object{{"values", std::move(values)}, {"total", total}, {"hasMore", false}}}};
}

}  // namespace memoryd::mcp
