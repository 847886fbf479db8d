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
  json::object set = Tool("set_memory", R"({"key":"k","text":"v","tags":["t"],"space":"s"})");
  EXPECT_TRUE(set.at("structuredContent").at("created").as_bool());
  json::object got = Tool("get_memory", R"({"key":"k","space":"s"})");
  EXPECT_EQ(got.at("structuredContent").at("memory").at("text"), json::value("v"));
  EXPECT_EQ(got.at("structuredContent").at("memory").at("tags"), json::parse(R"(["t"])"));
  const json::value id = got.at("structuredContent").at("memory").at("id");
  json::object by_id = Tool("get_memory", R"({"id":)" + json::serialize(id) + "}");
  EXPECT_EQ(by_id.at("structuredContent").at("memory").at("key"), json::value("k"));
  EXPECT_EQ(Tool("count_memories", R"({"space":"s"})").at("structuredContent").at("count"),
            json::value(1));
  EXPECT_EQ(Tool("memory_exists", R"({"key":"k"})").at("structuredContent").at("exists"),
            json::value(false));  // the default space holds nothing
}

TEST_F(McpServerTest, BadArgumentsGiveAnErrorResultTheModelCanActOn) {
  EXPECT_EQ(ErrorText(Tool("set_memory", R"({"key":"k"})")),
            "Invalid arguments: 'text' is required. Correct the arguments and call the tool "
            "again.");
  EXPECT_NE(ErrorText(Tool("get_memory", R"({"id":"a","key":"b"})")).find("not both"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("get_memory", R"({"key":"missing"})")).find("Not found"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("set_memory", R"({"key":"k","text":"v","ttl_minutes":-1})"))
                .find("Invalid arguments"),
            std::string::npos);
  EXPECT_NE(ErrorText(Tool("update_memory", R"({"key":"k"})")).find("nothing to change"),
            std::string::npos);
  EXPECT_EQ(ErrorCode(ToolCall("no_such_tool", "{}")), kInvalidParams);
  EXPECT_EQ(ErrorCode(Request("tools/call", R"({"arguments":{}})")), kInvalidParams);
  EXPECT_NE(ErrorText(Result(Request("tools/call", R"({"name":"list_tags","arguments":[1]})")))
                .find("'arguments' must be an object"),
            std::string::npos);
}

TEST_F(McpServerTest, MissingArgumentsMeanNone) {
  json::object r = Result(Request("tools/call", R"({"name":"list_tags"})"));
  EXPECT_FALSE(r.at("isError").as_bool());
}

TEST_F(McpServerTest, ReadOnlyAndScopedKeysAreEnforcedPerTool) {
  const Principal read_only{kDefaultAccountId, std::nullopt, true};
  EXPECT_NE(ErrorText(Tool("set_memory", R"({"key":"k","text":"v"})", read_only)).find("read-only"),
            std::string::npos);
  EXPECT_FALSE(Tool("list_tags", "{}", read_only).at("isError").as_bool());
  const Principal scoped{kDefaultAccountId, "alpha", false};
  json::object own = Tool("set_memory", R"({"key":"k","text":"v"})", scoped);
  EXPECT_EQ(own.at("structuredContent").at("memory").at("space"), json::value("alpha"));
  EXPECT_NE(ErrorText(Tool("list_tags", R"({"space":"beta"})", scoped)).find("Not allowed"),
            std::string::npos);
}

TEST_F(McpServerTest, ResourcesAddressSpacesAndMemories) {
  Tool("set_memory", R"({"key":"a b/c","text":"hello","space":"s p"})");
  json::object list = Result(Request("resources/list"));
  const json::array& resources = list.at("resources").as_array();
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].at("uri"), json::value("memoryd://spaces/s%20p"));
  json::object space = Result(Request("resources/read", R"({"uri":"memoryd://spaces/s%20p"})"));
  const std::string body(space.at("contents").at(0).at("text").as_string());
  EXPECT_NE(body.find("\"memoryCount\":1"), std::string::npos) << body;
  json::object keyed =
      Result(Request("resources/read", R"({"uri":"memoryd://spaces/s%20p/keys/a%20b%2Fc"})"));
  EXPECT_NE(keyed.at("contents").at(0).at("text").as_string().find("hello"), std::string::npos);
  EXPECT_EQ(ErrorCode(Request("resources/read", R"({"uri":"test://static-text"})")),
            kResourceNotFound);
  EXPECT_EQ(ErrorCode(Request("resources/read", R"({"uri":"memoryd://spaces/s%20p/keys/zz"})")),
            kResourceNotFound);
  EXPECT_EQ(Result(Request("resources/templates/list")).at("resourceTemplates").as_array().size(),
            3u);
}

TEST_F(McpServerTest, PromptsAndCompletion) {
  EXPECT_EQ(Result(Request("prompts/list")).at("prompts").as_array().size(), 2u);
  json::object remember =
      Result(Request("prompts/get", R"({"name":"remember","arguments":{"text":"buy milk"}})"));
  EXPECT_NE(remember.at("messages").at(0).at("content").at("text").as_string().find("buy milk"),
            std::string::npos);
  EXPECT_EQ(ErrorCode(Request("prompts/get", R"({"name":"remember"})")), kInvalidParams);
  EXPECT_EQ(ErrorCode(Request("prompts/get", R"({"name":"test_simple_prompt"})")), kInvalidParams);
  Tool("set_memory", R"({"key":"k","text":"v","space":"project-x"})");
  Tool("set_memory", R"({"key":"k","text":"v","space":"other"})");
  json::object done = Result(Request(
      "completion/complete",
      R"({"ref":{"type":"ref/resource","uri":"memoryd://spaces/{space}"},"argument":{"name":"space","value":"pro"}})"));
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
