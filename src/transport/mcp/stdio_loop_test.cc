// The stdio loop: one answer line per request, nothing for notifications, errors for broken
// lines, and the session kept across lines.
#include "transport/mcp/stdio_loop.h"

#include <gtest/gtest.h>

#include <sstream>

#include "transport/mcp/mcp_test_util.h"

namespace memoryd::mcp {
namespace {

std::vector<json::value> RunLoop(std::string input) {
  ServiceFixture fixture;
  auto server = McpServer::Create(*fixture.service, McpOptions{"notes"});
  EXPECT_TRUE(server.ok());
  std::istringstream in(input);
  std::ostringstream out;
  RunStdioLoop(in, out, **server, Principal{}, StdioOptions{64 << 10});
  std::vector<json::value> answers;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) answers.push_back(json::parse(line));
  return answers;
}

TEST(StdioLoopTest, AnswersRequestsLineByLine) {
  auto answers = RunLoop(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})"
      "\r\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add_memory","arguments":{"key":"k","text":"v"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"nope"})"
      "\n");
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].at("result").at("protocolVersion"), json::value("2025-06-18"));
  // --space names the space of calls that name none.
  EXPECT_EQ(answers[1].at("result").at("structuredContent").at("memory").at("space"),
            json::value("notes"));
  EXPECT_EQ(answers[2].at("error").at("code"), json::value(kMethodNotFound));
}

TEST(StdioLoopTest, BrokenLinesGetErrorsAndTheLoopGoesOn) {
  auto answers = RunLoop("not json\n[1,2]\n" + std::string(70 << 10, ' ') + "x\n" +
                         R"({"jsonrpc":"2.0","id":4,"method":"ping"})" + "\n");
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].at("error").at("code"), json::value(kParseError));
  EXPECT_EQ(answers[1].at("error").at("code"), json::value(kInvalidRequest));
  EXPECT_EQ(answers[2].at("error").at("code"), json::value(kInvalidRequest));
  EXPECT_EQ(answers[3].at("id"), json::value(4));
}

}  // namespace
}  // namespace memoryd::mcp
