// The Streamable HTTP transport over a real McpServer and MemoryService: routing of /mcp,
// keys, the DNS-rebinding guard, sessions, status codes and headers. Tool calls that write
// answer from the worker pool, so every call waits for its callback through a future.
#include "transport/mcp/http_handler.h"

#include <gtest/gtest.h>

#include <future>

#include "transport/mcp/mcp_test_util.h"

namespace memoryd::mcp {
namespace {

constexpr char kInit[] =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})";

// The next handler: answers 299 so passing through is visible.
class NextHandler final : public http::RequestHandler {
 public:
  void Handle(http::HttpRequest request, std::function<void(http::HttpResponse)> done) override {
    paths.push_back(request.path);
    http::HttpResponse r;
    r.status = 299;
    done(std::move(r));
  }
  std::vector<std::string> paths;
};

std::optional<std::string> HeaderOf(const http::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

class McpHttpHandlerTest : public ::testing::Test {
 protected:
  McpHttpHandlerTest() {
    auto server = McpServer::Create(*fixture_.service, McpOptions{});
    EXPECT_TRUE(server.ok());
    server_ = std::move(server).value();
    McpHttpOptions options;
    options.listen_host = "127.0.0.1";
    options.worker_threads = 2;
    options.reader_threads = 2;
    handler_ = std::make_unique<McpHttpHandler>(*fixture_.service, *server_, next_, fixture_.clock,
                                                options);
  }

  http::HttpResponse Send(std::string method, std::string body,
                          http::Fields headers = {{"authorization", "Bearer mcp-test-key"}},
                          std::string path = "/mcp") {
    http::HttpRequest request;
    request.method = std::move(method);
    request.path = path;
    request.target = path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    std::promise<http::HttpResponse> answer;
    handler_->Handle(std::move(request), [&](http::HttpResponse r) { answer.set_value(r); });
    return answer.get_future().get();
  }
  http::HttpResponse Post(std::string body, http::Fields extra = {}) {
    http::Fields headers = {{"authorization", "Bearer mcp-test-key"},
                            {"content-type", "application/json"},
                            {"accept", "application/json, text/event-stream"},
                            {"host", "127.0.0.1:8420"}};
    for (auto& h : extra) headers.push_back(h);
    return Send("POST", std::move(body), std::move(headers));
  }

  ServiceFixture fixture_;
  NextHandler next_;
  std::unique_ptr<McpServer> server_;
  std::unique_ptr<McpHttpHandler> handler_;
};

TEST_F(McpHttpHandlerTest, OtherPathsGoToTheNextHandler) {
  EXPECT_EQ(Send("POST", "{}", {}, "/mcp/addMemory").status, 299);
  EXPECT_EQ(Send("GET", "", {}, "/api/rest/memories").status, 299);
  EXPECT_EQ(next_.paths, (std::vector<std::string>{"/mcp/addMemory", "/api/rest/memories"}));
}

TEST_F(McpHttpHandlerTest, InitializeOpensASessionThatDeleteEnds) {
  http::HttpResponse init = Post(kInit);
  EXPECT_EQ(init.status, 200);
  EXPECT_EQ(json::parse(init.body).at("result").at("protocolVersion"), json::value("2025-11-25"));
  auto id = HeaderOf(init, "Mcp-Session-Id");
  ASSERT_TRUE(id.has_value());
  const char* ping = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  EXPECT_EQ(Post(ping, {{"mcp-session-id", *id}}).status, 200);
  http::Fields del = {{"authorization", "Bearer mcp-test-key"}, {"mcp-session-id", *id}};
  EXPECT_EQ(Send("DELETE", "", del).status, 204);
  EXPECT_EQ(Post(ping, {{"mcp-session-id", *id}}).status, 404);
  EXPECT_EQ(Send("DELETE", "", del).status, 404);
  EXPECT_EQ(Send("DELETE", "").status, 400);
  EXPECT_EQ(Post(ping).status, 200);  // no session header: served without one
}

TEST_F(McpHttpHandlerTest, SessionsAreBoundToTheirKey) {
  auto id = HeaderOf(Post(kInit), "Mcp-Session-Id");
  ASSERT_TRUE(id.has_value());
  const char* ping = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  http::Fields other_key = {{"authorization", "Bearer mcp-test-key-read-only"},
                            {"mcp-session-id", *id}};
  EXPECT_EQ(Send("POST", ping, other_key).status, 404);
}

TEST_F(McpHttpHandlerTest, KeysAreRequiredAsForRest) {
  for (const char* auth : {"", "Bearer nope", "Basic abc"}) {
    http::Fields headers;
    if (*auth) headers.emplace_back("authorization", auth);
    http::HttpResponse r = Send("POST", kInit, headers);
    EXPECT_EQ(r.status, 401) << auth;
    EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Bearer");
  }
}

TEST_F(McpHttpHandlerTest, TransportRules) {
  EXPECT_EQ(Post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status, 202);
  EXPECT_EQ(Post(R"({"jsonrpc":"2.0","id":9,"result":{}})").status, 202);
  http::HttpResponse get = Send("GET", "");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(HeaderOf(get, "Allow"), "POST, DELETE");
  EXPECT_EQ(Send("PUT", "").status, 405);
  EXPECT_EQ(Post(kInit, {{"mcp-protocol-version", "2099-01-01"}}).status, 400);
  EXPECT_EQ(Post(kInit, {{"mcp-protocol-version", "2025-06-18"}}).status, 200);
  http::HttpResponse parse = Post("{oops");
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(json::parse(parse.body).at("error").at("code"), json::value(kParseError));
  EXPECT_EQ(Post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])").status, 400);
  EXPECT_EQ(Post(R"({"jsonrpc":"2.0","id":1})").status, 400);
  http::HttpResponse unknown = Post(R"({"jsonrpc":"2.0","id":3,"method":"server/discover"})");
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(json::parse(unknown.body).at("error").at("code"), json::value(kMethodNotFound));
  http::Fields plain = {{"authorization", "Bearer mcp-test-key"}, {"content-type", "text/plain"}};
  EXPECT_EQ(Send("POST", kInit, plain).status, 415);
  http::Fields html = {{"authorization", "Bearer mcp-test-key"}, {"accept", "text/html"}};
  EXPECT_EQ(Send("POST", kInit, html).status, 406);
}

TEST_F(McpHttpHandlerTest, HostAndOriginAreChecked) {
  EXPECT_EQ(Post(kInit, {{"origin", "http://localhost:5173"}}).status, 200);
  EXPECT_EQ(Post(kInit, {{"origin", "https://evil.example.com"}}).status, 403);
  http::Fields evil_host = {{"authorization", "Bearer mcp-test-key"},
                            {"host", "evil.example.com:8420"}};
  EXPECT_EQ(Send("POST", kInit, evil_host).status, 403);
}

TEST_F(McpHttpHandlerTest, BrowsersFromAllowedOriginsGetCorsHeaders) {
  http::Fields preflight = {{"origin", "http://localhost:5173"}};
  http::HttpResponse options = Send("OPTIONS", "", preflight);
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(HeaderOf(options, "Access-Control-Allow-Origin"), "http://localhost:5173");
  EXPECT_NE(HeaderOf(options, "Access-Control-Allow-Headers")->find("Mcp-Session-Id"),
            std::string::npos);
  http::HttpResponse init = Post(kInit, {{"origin", "http://localhost:5173"}});
  EXPECT_EQ(HeaderOf(init, "Access-Control-Expose-Headers"), "Mcp-Session-Id, WWW-Authenticate");
  EXPECT_EQ(Send("OPTIONS", "", {{"origin", "https://evil.example.com"}}).status, 403);
  EXPECT_FALSE(HeaderOf(Post(kInit), "Access-Control-Allow-Origin").has_value());
}

TEST_F(McpHttpHandlerTest, WritesRunOnThePoolAndReadsInline) {
  const std::string set = json::serialize(json::object{
      {"jsonrpc", "2.0"},
      {"id", 5},
      {"method", "tools/call"},
      {"params", json::parse(R"({"name":"add_memory","arguments":{"key":"k","text":"v"}})")}});
  http::HttpResponse r = Post(set);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(json::parse(r.body).at("result").at("isError").as_bool()) << r.body;
  const std::string get = json::serialize(
      json::object{{"jsonrpc", "2.0"},
                   {"id", 6},
                   {"method", "tools/call"},
                   {"params", json::parse(R"({"name":"get_memory","arguments":{"key":"k"}})")}});
  EXPECT_EQ(
      json::parse(Post(get).body).at("result").at("structuredContent").at("memory").at("text"),
      json::value("v"));
}

class McpHttpNoAuthTest : public McpHttpHandlerTest {};

TEST_F(McpHttpNoAuthTest, NoAuthActsAsTheDefaultAccount) {
  McpHttpOptions options;
  options.no_auth = true;
  options.listen_host = "127.0.0.1";
  handler_ =
      std::make_unique<McpHttpHandler>(*fixture_.service, *server_, next_, fixture_.clock, options);
  EXPECT_EQ(Send("POST", kInit, {}).status, 200);
}

}  // namespace
}  // namespace memoryd::mcp
