// JSON-RPC framing: which messages are requests, notifications, responses or invalid.
#include "transport/mcp/json_rpc.h"

#include <gtest/gtest.h>

namespace memoryd::mcp {
namespace {

Message Read(std::string_view text) {
  auto value = ParseMessageText(text);
  EXPECT_TRUE(value.ok()) << text;
  return ReadMessage(value.ok() ? *value : json::value());
}

TEST(JsonRpcTest, ClassifiesRequestsNotificationsAndResponses) {
  Message request = Read(R"({"jsonrpc":"2.0","id":"a","method":"ping","params":{"x":1}})");
  EXPECT_EQ(request.kind, MessageKind::kRequest);
  EXPECT_EQ(request.id, json::value("a"));
  EXPECT_EQ(request.method, "ping");
  EXPECT_EQ(request.params.at("x"), json::value(1));
  EXPECT_EQ(Read(R"({"jsonrpc":"2.0","id":0,"method":"ping"})").kind, MessageKind::kRequest);
  EXPECT_EQ(Read(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").kind,
            MessageKind::kNotification);
  EXPECT_EQ(Read(R"({"jsonrpc":"2.0","id":5,"result":{}})").kind, MessageKind::kResponse);
  EXPECT_EQ(Read(R"({"jsonrpc":"2.0","id":5,"error":{"code":1,"message":"x"}})").kind,
            MessageKind::kResponse);
}

TEST(JsonRpcTest, RejectsMalformedMessagesKeepingTheIdWhenUsable) {
  const char* invalid[] = {
      R"([])",
      R"({"id":1,"method":"ping"})",
      R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":1})",
      R"({"jsonrpc":"2.0","id":1,"method":7})",
      R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})",
      R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})",
  };
  for (const char* text : invalid) {
    Message m = Read(text);
    EXPECT_EQ(m.kind, MessageKind::kInvalid) << text;
    EXPECT_FALSE(m.problem.empty()) << text;
  }
  EXPECT_EQ(Read(R"({"jsonrpc":"2.0","id":9,"method":"ping","params":3})").id, json::value(9));
}

TEST(JsonRpcTest, ParseRejectsBrokenAndHostileText) {
  EXPECT_FALSE(ParseMessageText("{").ok());
  EXPECT_FALSE(ParseMessageText("").ok());
  EXPECT_FALSE(ParseMessageText(std::string(1000, '[') + std::string(1000, ']')).ok());
}

TEST(JsonRpcTest, BuildsResultAndErrorAnswers) {
  EXPECT_EQ(json::serialize(ResultResponse(json::value(3), json::object())),
            R"({"jsonrpc":"2.0","id":3,"result":{}})");
  EXPECT_EQ(json::serialize(ErrorResponse(nullptr, kMethodNotFound, "no")),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"no"}})");
}

}  // namespace
}  // namespace memoryd::mcp
