// The protocol engine over a real MemoryService (InMemoryStore, no search engine attached):
// lifecycle, method dispatch, tools with validation, keys and the rate limit, resources,
// prompts and completion.
#include "transport/mcp/mcp_server.h"

#include <gtest/gtest.h>

#include "transport/mcp/mcp_test_util.h"

namespace memoryd::mcp {
namespace {

class McpServerTest : public ::testing::Test {
 protected:
  explicit McpServerTest(ServiceOptions options = {}) : fixture_(options) {
    auto server = McpServer::Create(*fixture_.service, McpOptions{});
    EXPECT_TRUE(server.ok());
    server_ = std::move(server).value();
  }

  json::object Answer(const Message& m, const Principal& principal = Principal{}) {
    auto answer = server_->Handle(m, principal, session_);
    EXPECT_TRUE(answer.has_value());
    if (!answer) return json::object();
    json::object parsed = json::parse(answer->json).as_object();
    EXPECT_EQ(answer->error, parsed.contains("error"));
    return parsed;
  }
  json::object Result(const Message& m, const Principal& principal = Principal{}) {
    json::object a = Answer(m, principal);
    EXPECT_TRUE(a.contains("result")) << json::serialize(a);
    return a.contains("result") ? a.at("result").as_object() : json::object();
  }
  int64_t ErrorCode(const Message& m) {
    json::object a = Answer(m);
    EXPECT_TRUE(a.contains("error")) << json::serialize(a);
    return a.contains("error") ? a.at("error").at("code").as_int64() : 0;
  }
  // A tool call's result, checking structuredContent equals the text content.
  json::object Tool(std::string_view name, std::string_view args,
                    const Principal& principal = Principal{}) {
    json::object r = Result(ToolCall(name, args), principal);
    const std::string text(r.at("content").at(0).at("text").as_string());
    if (!r.at("isError").as_bool()) {
      EXPECT_EQ(json::parse(text), r.at("structuredContent"));
    }
    return r;
  }
  static std::string ErrorText(const json::object& result) {
    EXPECT_TRUE(result.at("isError").as_bool());
    return std::string(result.at("content").at(0).at("text").as_string());
  }

  ServiceFixture fixture_;
  std::unique_ptr<McpServer> server_;
  SessionState session_;
};

TEST_F(McpServerTest, InitializeNegotiatesTheProtocolVersion) {
  for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    json::object r = Result(Request("initialize", R"({"protocolVersion":")" + std::string(version) +
                                                      R"(","capabilities":{}})"));
    EXPECT_EQ(r.at("protocolVersion"), json::value(version));
    EXPECT_EQ(session_.protocol_version, version);
  }
  json::object r = Result(Request("initialize", R"({"protocolVersion":"2024-11-05"})"));
  EXPECT_EQ(r.at("protocolVersion"), json::value("2025-11-25"));
  EXPECT_TRUE(r.at("capabilities").as_object().contains("tools"));
  EXPECT_EQ(r.at("serverInfo").at("name"), json::value("memoryd"));
  EXPECT_EQ(ErrorCode(Request("initialize", "{}")), kInvalidParams);
}

TEST_F(McpServerTest, UnknownMethodsFailAtOnceAndNotificationsAreNeverAnswered) {
  EXPECT_EQ(ErrorCode(Request("server/discover")), kMethodNotFound);
  EXPECT_EQ(ErrorCode(Request("resources/subscribe", R"({"uri":"x"})")), kMethodNotFound);
  const json::object note{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  EXPECT_FALSE(server_->Handle(ReadMessage(note), Principal{}, session_).has_value());
  const json::object ping_note{{"jsonrpc", "2.0"}, {"method", "ping"}};
  EXPECT_FALSE(server_->Handle(ReadMessage(ping_note), Principal{}, session_).has_value());
  const json::object response{{"jsonrpc", "2.0"}, {"id", 4}, {"result", json::object()}};
  EXPECT_FALSE(server_->Handle(ReadMessage(response), Principal{}, session_).has_value());
  EXPECT_EQ(ErrorCode(ReadMessage(json::parse(R"({"id":1,"method":"ping"})"))), kInvalidRequest);
}

TEST_F(McpServerTest, PingAndLoggingLevel) {
  EXPECT_TRUE(Result(Request("ping")).empty());
  EXPECT_TRUE(Result(Request("logging/setLevel", R"({"level":"debug"})")).empty());
  EXPECT_EQ(session_.log_level, "debug");
  EXPECT_EQ(ErrorCode(Request("logging/setLevel", R"({"level":"loud"})")), kInvalidParams);
}

TEST_F(McpServerTest, ToolsListComesFromTheRegistry) {
  json::object r = Result(Request("tools/list"));
  EXPECT_EQ(r.at("tools").as_array().size(), server_->registry().tools().size());
}

TEST_F(McpServerTest, KeyedToolsStoreAndReadBack) {
  json::object set = Tool("add_memory", R"({"key":"k","text":"v","tags":["t"],"space":"s"})");
  EXPECT_TRUE(set.at("structuredContent").at("created").as_bool());
  json::object got = Tool("get_memory", R"({"key":"k","space":"s"})");
  EXPECT_EQ(got.at("structuredContent").at("memory").at("text"), json::value("v"));
  EXPECT_EQ(got.at("structuredContent").at("memory").at("tags"), json::parse(R"(["t"])"));
  const json::value id = got.at("structuredContent").at("memory").at("id");
  json::object by_id = Tool("get_memory", R"({"id":)" + json::serialize(id) + "}");
  EXPECT_EQ(by_id.at("structuredContent").at("memory").at("key"), json::value("k"));
  EXPECT_EQ(Tool("describe_space", R"({"space":"s"})").at("structuredContent").at("memoryCount"),
            json::value(1));
  json::object several = Tool("get_memory", R"({"keys":["k","nope"],"space":"s"})");
  EXPECT_EQ(several.at("structuredContent").at("foundCount"), json::value(1));
  EXPECT_EQ(several.at("structuredContent").at("items").at(1).at("found"), json::value(false));
  json::object replaced = Tool("add_memory", R"({"key":"k","text":"w","space":"s"})");
  EXPECT_FALSE(replaced.at("structuredContent").at("created").as_bool());
  EXPECT_EQ(replaced.at("structuredContent").at("memory").at("id"), id);
}

TEST_F(McpServerTest, AddMemoryStoresSeveralItemsEachOnItsOwn) {
  json::object r = Tool("add_memory", R"({"space":"s","items":[{"key":"a","text":"one"},
      {"key":"b","text":"two","ttl_minutes":5}]})");
  EXPECT_EQ(r.at("structuredContent").at("storedCount"), json::value(2));
  EXPECT_NE(ErrorText(Tool("add_memory", R"({"items":[{"key":"a","text":"x"}],"text":"y"})"))
                .find("inside each item"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("add_memory", R"({"items":[{"key":"a","text":"x","ttl_minutes":0}]})"))
                .find("'items[0].ttl_minutes' must be more than 0"),
            std::string::npos);
}

TEST_F(McpServerTest, BadArgumentsGiveAnErrorResultTheModelCanActOn) {
  EXPECT_EQ(ErrorText(Tool("add_memory", R"({"key":"k"})")),
            "Invalid arguments: 'text' is required (or 'items' to store several memories). "
            "Correct the arguments and call the tool again.");
  EXPECT_NE(ErrorText(Tool("get_memory", R"({"id":"a","key":"b"})")).find("not both"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("get_memory", R"({"key":"missing"})")).find("Not found"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("add_memory", R"({"key":"k","text":"v","ttl_minutes":-1})"))
                .find("'ttl_minutes' must be more than 0"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("update_memory", R"({"key":"k"})")).find("nothing to change"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("list_memories", R"({"contains":"a","tags":["b"]})")).find("not both"),
            std::string::npos);
  EXPECT_EQ(ErrorCode(ToolCall("no_such_tool", "{}")), kInvalidParams);
  EXPECT_EQ(ErrorCode(Request("tools/call", R"({"arguments":{}})")), kInvalidParams);
  EXPECT_NE(ErrorText(Result(Request("tools/call", R"({"name":"list_tags","arguments":[1]})")))
                .find("'arguments' must be an object"),
            std::string::npos);
}

TEST_F(McpServerTest, UpdateMemoryClearsEveryFieldAndNamesItsOwnArguments) {
  Tool("add_memory",
       R"({"key":"k","text":"v","title":"T","tags":["a"],"metadata":{"m":1},"ttl_minutes":60})");
  json::object before = Tool("get_memory", R"({"key":"k"})");
  EXPECT_FALSE(before.at("structuredContent").at("memory").at("expiresAt").is_null());
  EXPECT_NE(ErrorText(Tool("update_memory", R"({"key":"k","ttl_minutes":0})"))
                .find("'ttl_minutes' must be more than 0"),
            std::string::npos);
  json::object cleared = Tool(
      "update_memory", R"({"key":"k","title":null,"tags":[],"metadata":{},"ttl_minutes":null})");
  const json::value& m = cleared.at("structuredContent").at("memory");
  EXPECT_EQ(m.at("title"), json::value(""));
  EXPECT_EQ(m.at("tags"), json::array());
  EXPECT_EQ(m.at("metadata"), json::object());
  EXPECT_TRUE(m.at("expiresAt").is_null());
  EXPECT_EQ(m.at("text"), json::value("v"));
  json::object renewed = Tool("update_memory", R"({"key":"k","ttl_minutes":5})");
  EXPECT_FALSE(renewed.at("structuredContent").at("memory").at("expiresAt").is_null());
  json::object only_ttl = Tool("update_memory", R"({"key":"k","ttl_minutes":null})");
  EXPECT_TRUE(only_ttl.at("structuredContent").at("memory").at("expiresAt").is_null());
}

TEST_F(McpServerTest, DestructiveCallsWithoutAnExplicitTargetDeleteNothing) {
  Tool("add_memory", R"({"key":"a","text":"one"})");
  Tool("add_memory", R"({"key":"b","text":"two"})");
  const auto count = [&] {
    return Tool("describe_space", "{}").at("structuredContent").at("memoryCount").as_int64();
  };
  EXPECT_NE(ErrorText(Tool("delete_space", "{}")).find(R"("confirm")"), std::string::npos);
  EXPECT_NE(ErrorText(Tool("delete_space", R"({"space":"default"})")).find("Nothing was deleted"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("delete_space", R"({"space":"default","confirm":"other"})"))
                .find(R"("confirm": "default")"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("delete_memory", "{}")).find("exactly one of"), std::string::npos);
  EXPECT_NE(ErrorText(Tool("delete_memory", R"({"all":true})")).find("name the space"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("delete_memory", R"({"all":true,"space":"default"})")).find("confirm"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("delete_memory", R"({"keys":["a","b"]})")).find("name the space"),
            std::string::npos);
  EXPECT_EQ(count(), 2);
  json::object two = Tool("delete_memory", R"({"keys":["a","zz"],"space":"default"})");
  EXPECT_EQ(two.at("structuredContent").at("deletedCount"), json::value(1));
  EXPECT_EQ(count(), 1);
  json::object all = Tool("delete_memory", R"({"all":true,"space":"default","confirm":"default"})");
  EXPECT_EQ(all.at("structuredContent").at("deletedCount"), json::value(1));
  Tool("add_memory", R"({"key":"c","text":"three"})");
  json::object gone = Tool("delete_space", R"({"space":"default","confirm":"default"})");
  EXPECT_EQ(gone.at("structuredContent").at("memoriesDeleted"), json::value(1));
}

TEST_F(McpServerTest, DeletingIdsTouchesOnlyTheNamedSpace) {
  const json::value here = Tool("add_memory", R"({"key":"a","text":"one","space":"s"})")
                               .at("structuredContent")
                               .at("memory")
                               .at("id");
  const json::value there = Tool("add_memory", R"({"key":"a","text":"one","space":"t"})")
                                .at("structuredContent")
                                .at("memory")
                                .at("id");
  json::object r = Tool("delete_memory", R"({"space":"s","ids":[)" + json::serialize(here) + "," +
                                             json::serialize(there) + "]}");
  EXPECT_EQ(r.at("structuredContent").at("deletedCount"), json::value(1));
  EXPECT_EQ(r.at("structuredContent").at("missingCount"), json::value(1));
  EXPECT_FALSE(
      Tool("get_memory", R"({"id":)" + json::serialize(there) + "}").at("isError").as_bool());
}

TEST_F(McpServerTest, ListMemoriesFiltersByTextOrTags) {
  Tool("add_memory", R"({"key":"a","text":"The Berlin office","tags":["x","y"]})");
  Tool("add_memory", R"({"key":"b","text":"The Lisbon office","tags":["x"]})");
  json::object found = Tool("list_memories", R"({"contains":"berlin"})");
  ASSERT_EQ(found.at("structuredContent").at("memories").as_array().size(), 1u);
  EXPECT_EQ(found.at("structuredContent").at("memories").at(0).at("key"), json::value("a"));
  EXPECT_TRUE(found.at("structuredContent").at("nextCursor").is_null());
  json::object tagged = Tool("list_memories", R"({"tags":["y","x"]})");
  ASSERT_EQ(tagged.at("structuredContent").at("memories").as_array().size(), 1u);
  EXPECT_EQ(tagged.at("structuredContent").at("memories").at(0).at("key"), json::value("a"));
  json::object page = Tool("list_memories", R"({"limit":1})");
  EXPECT_TRUE(page.at("structuredContent").at("nextCursor").is_string());
  EXPECT_NE(ErrorText(Tool("list_memories", R"({"tags":["x"],"cursor":"c"})")).find("one page"),
            std::string::npos);
}

TEST_F(McpServerTest, MissingArgumentsMeanNone) {
  json::object r = Result(Request("tools/call", R"({"name":"list_tags"})"));
  EXPECT_FALSE(r.at("isError").as_bool());
}

TEST_F(McpServerTest, ReadOnlyAndScopedKeysAreEnforcedPerTool) {
  const Principal read_only{kDefaultAccountId, std::nullopt, true};
  EXPECT_NE(ErrorText(Tool("add_memory", R"({"key":"k","text":"v"})", read_only)).find("read-only"),
            std::string::npos);
  EXPECT_FALSE(Tool("list_tags", "{}", read_only).at("isError").as_bool());
  const Principal scoped{kDefaultAccountId, "alpha", false};
  json::object own = Tool("add_memory", R"({"key":"k","text":"v"})", scoped);
  EXPECT_EQ(own.at("structuredContent").at("memory").at("space"), json::value("alpha"));
  EXPECT_NE(ErrorText(Tool("list_tags", R"({"space":"beta"})", scoped)).find("Not allowed"),
            std::string::npos);
}

TEST_F(McpServerTest, ResourcesAddressSpacesAndMemories) {
  Tool("add_memory", R"({"key":"a b/c","text":"hello","space":"s p"})");
  json::object list = Result(Request("resources/list"));
  const json::array& resources = list.at("resources").as_array();
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].at("uri"), json::value("memory://s%20p/recent"));
  EXPECT_FALSE(list.contains("nextCursor"));
  json::object space = Result(Request("resources/read", R"({"uri":"memory://s%20p/recent"})"));
  const std::string body(space.at("contents").at(0).at("text").as_string());
  EXPECT_NE(body.find("hello"), std::string::npos) << body;
  EXPECT_NE(body.find("\"next\":null"), std::string::npos) << body;
  json::object keyed =
      Result(Request("resources/read", R"({"uri":"memoryd://spaces/s%20p/keys/a%20b%2Fc"})"));
  EXPECT_NE(keyed.at("contents").at(0).at("text").as_string().find("hello"), std::string::npos);
  for (const char* uri :
       {"test://static-text", "memoryd://spaces/s%20p/keys/zz", "memoryd://spaces/s%20p",
        "memory://s%20p/all", "memory://s%20p/recent?x=1"}) {
    EXPECT_EQ(ErrorCode(Request("resources/read", R"({"uri":")" + std::string(uri) + R"("})")),
              kResourceNotFound)
        << uri;
  }
  EXPECT_EQ(Result(Request("resources/templates/list")).at("resourceTemplates").as_array().size(),
            3u);
}

TEST_F(McpServerTest, RecentResourcesAreReadAPageAtATime) {
  for (int i = 0; i < 25; ++i) {
    Tool("add_memory", R"({"key":"k)" + std::to_string(i) + R"(","text":"note","space":"s"})");
    fixture_.clock.AdvanceMillis(1);
  }
  json::object first = Result(Request("resources/read", R"({"uri":"memory://s/recent"})"));
  json::value page = json::parse(first.at("contents").at(0).at("text").as_string());
  EXPECT_EQ(page.at("memories").as_array().size(), 20u);
  const std::string next(page.at("next").as_string());
  EXPECT_TRUE(next.starts_with("memory://s/recent?cursor=")) << next;
  json::object second = Result(Request("resources/read", R"({"uri":")" + next + R"("})"));
  EXPECT_EQ(second.at("contents").at(0).at("uri"), json::value(next));
  page = json::parse(second.at("contents").at(0).at("text").as_string());
  EXPECT_EQ(page.at("memories").as_array().size(), 5u);
  EXPECT_TRUE(page.at("next").is_null());
}

TEST_F(McpServerTest, ResourcesListIsPaged) {
  for (int i = 0; i < 55; ++i) {
    Tool("add_memory", R"({"key":"k","text":"v","space":"s)" + std::to_string(i) + R"("})");
  }
  json::object first = Result(Request("resources/list"));
  EXPECT_EQ(first.at("resources").as_array().size(), 50u);
  const std::string cursor(first.at("nextCursor").as_string());
  json::object second = Result(Request("resources/list", R"({"cursor":")" + cursor + R"("})"));
  EXPECT_EQ(second.at("resources").as_array().size(), 5u);
  EXPECT_FALSE(second.contains("nextCursor"));
  EXPECT_EQ(ErrorCode(Request("resources/list", R"({"cursor":"nope"})")), kInvalidParams);
  json::object beyond = Result(Request("resources/list", R"({"cursor":"9223372036854775807"})"));
  EXPECT_TRUE(beyond.at("resources").as_array().empty());
}

TEST_F(McpServerTest, PromptsAndCompletion) {
  EXPECT_EQ(Result(Request("prompts/list")).at("prompts").as_array().size(), 2u);
  json::object remember =
      Result(Request("prompts/get", R"({"name":"remember","arguments":{"text":"buy milk"}})"));
  EXPECT_NE(remember.at("messages").at(0).at("content").at("text").as_string().find("buy milk"),
            std::string::npos);
  EXPECT_EQ(ErrorCode(Request("prompts/get", R"({"name":"remember"})")), kInvalidParams);
  EXPECT_EQ(ErrorCode(Request("prompts/get", R"({"name":"test_simple_prompt"})")), kInvalidParams);
  Tool("add_memory", R"({"key":"k","text":"v","space":"project-x"})");
  Tool("add_memory", R"({"key":"k","text":"v","space":"other"})");
  json::object done = Result(Request(
      "completion/complete",
      R"({"ref":{"type":"ref/resource","uri":"memory://{space}/recent"},"argument":{"name":"space","value":"pro"}})"));
  EXPECT_EQ(done.at("completion").at("values"), json::parse(R"(["project-x"])"));
  EXPECT_EQ(
      ErrorCode(Request(
          "completion/complete",
          R"({"ref":{"type":"ref/prompt","name":"nope"},"argument":{"name":"a","value":""}})")),
      kInvalidParams);
}

class McpServerRateTest : public McpServerTest {
 protected:
  static ServiceOptions Limited() {
    ServiceOptions o;
    o.rate_limit_per_minute = 2;
    return o;
  }
  McpServerRateTest() : McpServerTest(Limited()) {}
};

TEST_F(McpServerRateTest, EveryMethodSpendsTheAccountsBudget) {
  EXPECT_FALSE(Tool("list_tags", "{}").at("isError").as_bool());
  EXPECT_TRUE(Result(Request("tools/list")).contains("tools"));  // listing costs one too
  const std::string limited = ErrorText(Tool("list_tags", "{}"));
  EXPECT_EQ(limited.rfind("Rate limited", 0), 0u) << limited;
  EXPECT_NE(limited.find("Retry after"), std::string::npos);
  for (const char* method : {"ping", "initialize", "resources/list", "prompts/list"}) {
    EXPECT_NE(ErrorCode(Request(method)), 0) << method << " was not counted";
  }
  fixture_.clock.AdvanceMillis(60'000);
  EXPECT_FALSE(Tool("list_tags", "{}").at("isError").as_bool());
}

}  // namespace
}  // namespace memoryd::mcp
