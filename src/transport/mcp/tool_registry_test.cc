// The tool table: every schema parses and expands, the required tools exist, and every tool
// carries what clients and models need (title, description, schemas, hints).
#include "transport/mcp/tool_registry.h"

#include <gtest/gtest.h>

#include <set>

namespace memoryd::mcp {
namespace {

std::unique_ptr<ToolRegistry> Registry() {
  auto registry = ToolRegistry::Build(ToolRegistry::AllSpecs());
  EXPECT_TRUE(registry.ok()) << registry.status().ToString();
  return registry.ok() ? std::move(registry).value() : nullptr;
}

TEST(ToolRegistryTest, OffersTheRequiredToolsUnderTheirExactNames) {
  auto registry = Registry();
  ASSERT_NE(registry, nullptr);
  for (const char* name : {"add_memory", "search_memories", "list_memories", "get_memory",
                           "update_memory", "delete_memory", "list_spaces", "delete_space",
                           "describe_space", "list_tags", "delete_tag"}) {
    EXPECT_NE(registry->Find(name), nullptr) << name;
  }
  EXPECT_EQ(registry->Find("no_such_tool"), nullptr);
  EXPECT_EQ(registry->Find("set_memory"), nullptr);  // add_memory with a key does it
}

// A client shows the whole tool list to the model on every turn: it has a budget.
TEST(ToolRegistryTest, TheToolListStaysWithinItsBudget) {
  auto registry = Registry();
  ASSERT_NE(registry, nullptr);
  EXPECT_LE(registry->tools().size(), 14u);
  const std::string list = json::serialize(json::object{{"tools", registry->ListJson()}});
  EXPECT_LE(list.size(), 16000u);
}

TEST(ToolRegistryTest, EveryToolIsCompletelyDescribed) {
  auto registry = Registry();
  ASSERT_NE(registry, nullptr);
  std::set<std::string> names;
  for (const json::value& entry : registry->ListJson()) {
    const json::object& tool = entry.as_object();
    const std::string name(tool.at("name").as_string());
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    EXPECT_FALSE(tool.at("title").as_string().empty()) << name;
    EXPECT_GT(tool.at("description").as_string().size(), 40u) << name;
    const json::object& input = tool.at("inputSchema").as_object();
    EXPECT_EQ(input.at("type"), json::value("object")) << name;
    EXPECT_EQ(input.at("additionalProperties"), json::value(false)) << name;
    for (const auto& [arg, schema] : input.at("properties").as_object()) {
      // `space` is described once, in the server's instructions.
      EXPECT_EQ(schema.as_object().contains("description"), arg != "space") << name << "." << arg;
    }
    EXPECT_EQ(tool.at("outputSchema").as_object().at("type"), json::value("object")) << name;
    const json::object& hints = tool.at("annotations").as_object();
    for (const char* hint : {"readOnlyHint", "destructiveHint", "idempotentHint"}) {
      EXPECT_TRUE(hints.at(hint).is_bool()) << name << " " << hint;
    }
    // No "@fragment" may survive expansion.
    EXPECT_EQ(json::serialize(tool).find("\"@"), std::string::npos) << name;
  }
}

TEST(ToolRegistryTest, HintsFollowAccess) {
  auto registry = Registry();
  ASSERT_NE(registry, nullptr);
  for (const Tool& tool : registry->tools()) {
    if (tool.spec.access == Access::kRead) {
      EXPECT_FALSE(tool.spec.destructive) << tool.spec.name;
    }
  }
  EXPECT_EQ(registry->Find("search_memories")->spec.access, Access::kRead);
  EXPECT_TRUE(registry->Find("delete_space")->spec.destructive);
  EXPECT_FALSE(registry->Find("add_memory")->spec.idempotent);
  EXPECT_TRUE(registry->Find("add_memory")->spec.destructive);  // a key replaces
  for (const char* name : {"update_memory", "delete_memory", "delete_space", "delete_tag"}) {
    EXPECT_TRUE(registry->Find(name)->spec.destructive) << name;
  }
}

Result<json::object> Noop(ToolContext&) { return json::object(); }

TEST(ToolRegistryTest, BrokenSchemasAreReportedNotIgnored) {
  ToolSpec bad{"bad",         "Bad", "d",  "{not json",       "{}",
               Access::kRead, false, true, ToolScope::kSpace, Noop};
  EXPECT_EQ(ToolRegistry::Build({bad}).status().code(), StatusCode::kInternal);
  bad.input_schema = R"({"type":"object","properties":{"x":"@no_such_fragment"}})";
  auto built = ToolRegistry::Build({bad});
  EXPECT_EQ(built.status().code(), StatusCode::kInternal);
  EXPECT_NE(built.status().message().find("no_such_fragment"), std::string::npos);
}

}  // namespace
}  // namespace memoryd::mcp
