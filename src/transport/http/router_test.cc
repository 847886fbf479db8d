// Router pipeline over the real route tables, a MemoryService, InMemoryStore and FakeClock:
// matching (404/405), authentication (401), rate limiting (429), access (403), space selection
// (400) and a few handler paths end to end. Blocking routes answer from the router's pool, so
// every call waits for its callback through a future.
#include "transport/http/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/clock.h"
#include "store/in_memory_store.h"
#include "transport/http/routes.h"

namespace memoryd::http {
namespace {

constexpr char kKey[] = "test-key-account-wide";
constexpr char kReadOnlyKey[] = "test-key-read-only";
constexpr char kScopedKey[] = "test-key-scoped";

std::vector<Route> AllRoutes() {
  std::vector<Route> routes = SystemRoutes();
  for (const Route& r : CapsuleRoutes()) routes.push_back(r);
  return routes;
}

std::optional<std::string> HeaderOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

boost::json::value Body(const HttpResponse& response) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << response.body;
  return v;
}

// The "error" string of an error body, or "" (with a test failure) when the body is not one.
std::string ErrorOf(const HttpResponse& response) {
  boost::json::value v = Body(response);
  const boost::json::value* error = v.is_object() ? v.as_object().if_contains("error") : nullptr;
  if (error == nullptr || !error->is_string()) {
    ADD_FAILURE() << "no error field: " << response.body;
    return "";
  }
  return std::string(error->as_string());
}

class RouterTest : public ::testing::Test {
 protected:
  void Start(ServiceOptions options = {}, bool no_auth = false) {
    router_.reset();
    service_ = std::make_unique<MemoryService>(store_, clock_, options);
    service_->AddStaticKey(kKey, Principal{});
    Principal read_only;
    read_only.read_only = true;
    service_->AddStaticKey(kReadOnlyKey, read_only);
    Principal scoped;
    scoped.space = "proj";
    service_->AddStaticKey(kScopedKey, scoped);
    RouterOptions router_options;
    router_options.no_auth = no_auth;
    router_options.worker_threads = 2;
    router_ = std::make_unique<Router>(*service_, AllRoutes(), router_options);
  }

  void SetUp() override { Start(); }

  HttpResponse Call(Router& router, std::string method, std::string target, std::string body = "",
                    Fields headers = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.remote = "127.0.0.1";
    Status parsed = ParseTarget(request);
    EXPECT_TRUE(parsed.ok()) << parsed.ToString();
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = promise->get_future();
    router.Handle(std::move(request),
                  [promise](HttpResponse response) { promise->set_value(std::move(response)); });
    // A generous bound only so that a lost callback fails the test instead of hanging it.
    if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "the router never answered";
      return HttpResponse{-1, "", "", {}};
    }
    return future.get();
  }

  // A request with the account-wide key (or `key`, if given).
  HttpResponse Send(std::string method, std::string target, std::string body = "",
                    std::string key = kKey, Fields extra_headers = {}) {
    Fields headers = std::move(extra_headers);
    if (!key.empty()) headers.emplace_back("authorization", "Bearer " + key);
    return Call(*router_, std::move(method), std::move(target), std::move(body),
                std::move(headers));
  }

  InMemoryStore store_;
  FakeClock clock_;
  std::unique_ptr<MemoryService> service_;
  std::unique_ptr<Router> router_;  // declared last: destroyed (and drained) first
};

// --- matching ---

TEST_F(RouterTest, UnknownPathIs404WithAJsonError) {
  for (const char* target :
       {"/nope", "/api/rest", "/api/rest/memory/extra", "/api/rest/memory/", "/API/REST/MEMORY"}) {
    HttpResponse response = Send("GET", target);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_FALSE(ErrorOf(response).empty()) << target;
  }
}

TEST_F(RouterTest, KnownPathWithAnotherMethodIs405WithAllow) {
  HttpResponse response = Send("POST", "/api/rest/memory", R"({"key":"k","value":"v"})");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(HeaderOf(response, "Allow"), "PUT, GET, DELETE");
  EXPECT_FALSE(ErrorOf(response).empty());

  HttpResponse keys = Send("PATCH", "/api/rest/memories/keys");
  EXPECT_EQ(keys.status, 405);
  EXPECT_EQ(HeaderOf(keys, "Allow"), "GET");
  EXPECT_EQ(service_->Count(SpaceRef{kDefaultAccountId, "default"}).value(), 0);
}

TEST_F(RouterTest, MethodIsCheckedBeforeAuthentication) {
  HttpResponse response = Send("PATCH", "/api/rest/memory", "", /*key=*/"");
  EXPECT_EQ(response.status, 405);
}

TEST_F(RouterTest, HealthzNeedsNoKey) {
  HttpResponse response = Send("GET", "/healthz", "", /*key=*/"");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response), boost::json::parse(R"({"status":"ok"})"));
}

// --- authentication, rate limiting, access ---

TEST_F(RouterTest, MissingOrWrongKeyIs401WithWwwAuthenticate) {
  const Fields cases[] = {
      {},
      {{"authorization", "Bearer wrong"}},
      {{"authorization", "Bearer"}},
      {{"authorization", "Bearer    "}},
      {{"authorization", std::string("Basic ") + kKey}},
      {{"authorization", kKey}},
  };
  for (const Fields& headers : cases) {
    HttpResponse response = Call(*router_, "GET", "/api/rest/memories/count", "", headers);
    EXPECT_EQ(response.status, 401) << (headers.empty() ? "" : headers[0].second);
    EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "Bearer");
    EXPECT_FALSE(ErrorOf(response).empty());
  }
}

TEST_F(RouterTest, BearerSchemeIsCaseInsensitiveAndSpacesAreTrimmed) {
  for (const std::string& value : {std::string("bearer ") + kKey, std::string("BEARER ") + kKey,
                                   std::string("Bearer   ") + kKey + "  "}) {
    HttpResponse response =
        Call(*router_, "GET", "/api/rest/memories/count", "", {{"authorization", value}});
    EXPECT_EQ(response.status, 200) << value;
  }
}

TEST_F(RouterTest, SpentBudgetIs429WithRetryAfter) {
  ServiceOptions options;
  options.rate_limit_per_minute = 2;
  Start(options);
  EXPECT_EQ(Send("GET", "/api/rest/memories/count").status, 200);
  EXPECT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"k","value":"v"})").status, 201);
  HttpResponse limited = Send("GET", "/api/rest/memories/count");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(HeaderOf(limited, "Retry-After"), "30");
  EXPECT_FALSE(ErrorOf(limited).empty());
  EXPECT_EQ(Send("GET", "/healthz", "", "").status, 200) << "unauthenticated routes are free";

  clock_.AdvanceMillis(30'000);
  EXPECT_EQ(Send("GET", "/api/rest/memories/count").status, 200);
}

TEST_F(RouterTest, UnmatchedRequestsWithAValidKeySpendTheBudget) {
  ServiceOptions options;
  options.rate_limit_per_minute = 2;
  Start(options);
  EXPECT_EQ(Send("GET", "/nope").status, 404);
  EXPECT_EQ(Send("PATCH", "/api/rest/memory").status, 405);
  EXPECT_EQ(Send("GET", "/nope").status, 429);
  EXPECT_EQ(Send("GET", "/api/rest/memories/count").status, 429);
  EXPECT_EQ(Send("GET", "/nope", "", "wrong-key").status, 404)
      << "without a valid key there is no account to charge";
}

TEST_F(RouterTest, ReadOnlyKeyMayReadButWritesAre403) {
  ASSERT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"k","value":"v"})").status, 201);
  HttpResponse put =
      Send("PUT", "/api/rest/memory", R"({"key":"k","value":"changed"})", kReadOnlyKey);
  EXPECT_EQ(put.status, 403);
  EXPECT_FALSE(ErrorOf(put).empty());
  EXPECT_EQ(Send("DELETE", "/api/rest/memory?key=k", "", kReadOnlyKey).status, 403);
  EXPECT_EQ(Send("DELETE", "/api/rest/memories", "", kReadOnlyKey).status, 403);
  EXPECT_EQ(Send("POST", "/api/rest/tags", R"({"name":"t"})", kReadOnlyKey).status, 403);

  HttpResponse get = Send("GET", "/api/rest/memory?key=k", "", kReadOnlyKey);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(Body(get).at("value"), "v");
  EXPECT_EQ(Send("POST", "/api/rest/memories/bulk/get", R"({"keys":["k"]})", kReadOnlyKey).status,
            200)
      << "bulk/get is a read even though it is a POST";
}

TEST_F(RouterTest, SpaceParameterAndHeaderMustAgree) {
  HttpResponse differ =
      Send("GET", "/api/rest/memories/count?space=a", "", kKey, {{"x-memory-space", "b"}});
  EXPECT_EQ(differ.status, 400);
  EXPECT_NE(ErrorOf(differ).find("X-Memory-Space"), std::string::npos);

  EXPECT_EQ(
      Send("GET", "/api/rest/memories/count?space=a", "", kKey, {{"x-memory-space", "a"}}).status,
      200);
}

TEST_F(RouterTest, SpaceComesFromQueryOrHeader) {
  ASSERT_EQ(Send("PUT", "/api/rest/memory?space=q", R"({"key":"k","value":"from query"})").status,
            201);
  ASSERT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"k","value":"from header"})", kKey,
                 {{"x-memory-space", "h"}})
                .status,
            201);
  ASSERT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"k","value":"default"})").status, 201);
  EXPECT_EQ(service_->Get(SpaceRef{kDefaultAccountId, "q"}, "k")->text, "from query");
  EXPECT_EQ(service_->Get(SpaceRef{kDefaultAccountId, "h"}, "k")->text, "from header");
  EXPECT_EQ(service_->Get(SpaceRef{kDefaultAccountId, "default"}, "k")->text, "default");
  EXPECT_EQ(Send("GET", "/api/rest/memories/count?space=a%2Fb").status, 400);
}

TEST_F(RouterTest, EmptySpaceNameIs400NotTheDefaultSpace) {
  EXPECT_EQ(Send("PUT", "/api/rest/memory?space=", R"({"key":"k","value":"v"})").status, 400);
  EXPECT_EQ(
      Send("PUT", "/api/rest/memory", R"({"key":"k","value":"v"})", kKey, {{"x-memory-space", ""}})
          .status,
      400);
  EXPECT_EQ(service_->Count(SpaceRef{kDefaultAccountId, "default"}).value(), 0);
}

TEST_F(RouterTest, ScopedKeyStaysInItsSpace) {
  EXPECT_EQ(Send("GET", "/api/rest/memories/count?space=other", "", kScopedKey).status, 403);
  EXPECT_EQ(
      Send("GET", "/api/rest/memories/count", "", kScopedKey, {{"x-memory-space", "x"}}).status,
      403);
  ASSERT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"k","value":"v"})", kScopedKey).status, 201);
  EXPECT_TRUE(service_->Get(SpaceRef{kDefaultAccountId, "proj"}, "k").ok());
  EXPECT_EQ(service_->Get(SpaceRef{kDefaultAccountId, "default"}, "k").status().code(),
            StatusCode::kNotFound);
}

TEST_F(RouterTest, NoAuthModeActsAsTheDefaultAccount) {
  Start(ServiceOptions{}, /*no_auth=*/true);
  HttpResponse put = Send("PUT", "/api/rest/memory", R"({"key":"k","value":"v"})", /*key=*/"");
  EXPECT_EQ(put.status, 201);
  EXPECT_TRUE(service_->Get(SpaceRef{kDefaultAccountId, "default"}, "k").ok());
  EXPECT_EQ(Send("GET", "/api/rest/memory?key=k", "", /*key=*/"").status, 200);
}

// --- handlers end to end ---

TEST_F(RouterTest, PutAnswers201ForANewKeyAnd200ForAnUpdate) {
  HttpResponse created = Send("PUT", "/api/rest/memory",
                              R"({"key":"user-preferences","value":"dark mode",
                                  "tags":["settings","ui"],"ttlMinutes":1440})");
  ASSERT_EQ(created.status, 201) << created.body;
  boost::json::value body = Body(created);
  EXPECT_EQ(body.at("key"), "user-preferences");
  EXPECT_EQ(body.at("stored"), true);
  EXPECT_EQ(body.at("isNew"), true);
  EXPECT_EQ(body.at("tags"), boost::json::parse(R"(["settings","ui"])"));
  EXPECT_TRUE(body.at("expiresAt").is_string());

  HttpResponse updated =
      Send("PUT", "/api/rest/memory", R"({"key":"user-preferences","value":"light mode"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated).at("isNew"), false);

  HttpResponse got = Send("GET", "/api/rest/memory?key=user-preferences");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got).at("value"), "light mode");
}

TEST_F(RouterTest, TtlExpiryTurnsGetInto404) {
  ASSERT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"temp","value":"v","ttlMinutes":1})").status,
            201);
  clock_.AdvanceMillis(59'999);
  EXPECT_EQ(Send("GET", "/api/rest/memory?key=temp").status, 200);
  clock_.AdvanceMillis(1);
  EXPECT_EQ(Send("GET", "/api/rest/memory?key=temp").status, 404);
  EXPECT_EQ(Body(Send("GET", "/api/rest/memories/exists?key=temp")).at("exists"), false);
}

TEST_F(RouterTest, BadInputIs4xxAndStoresNothing) {
  ServiceOptions options;
  options.max_value_bytes = 8;
  Start(options);
  const std::pair<const char*, int> cases[] = {
      {"", 400},
      {"[]", 400},
      {"{broken", 400},
      {R"({"key":"k"})", 400},
      {R"({"key":"k","value":"v","extra":1})", 400},
      {R"({"key":"","value":"v"})", 400},
      {R"({"key":"k","value":"v","ttlMinutes":0})", 400},
      {R"({"key":"k","value":"123456789"})", 413},
  };
  for (const auto& [body, status] : cases) {
    HttpResponse response = Send("PUT", "/api/rest/memory", body);
    EXPECT_EQ(response.status, status) << body;
    EXPECT_FALSE(ErrorOf(response).empty()) << body;
  }
  EXPECT_EQ(service_->Count(SpaceRef{kDefaultAccountId, "default"}).value(), 0);
  EXPECT_EQ(Send("GET", "/api/rest/memory").status, 400) << "missing ?key";
  EXPECT_EQ(Send("GET", "/api/rest/memories?page=x").status, 400);
  EXPECT_EQ(Send("GET", "/api/rest/memories?pageSize=201").status, 400);
  EXPECT_EQ(Send("GET", "/api/rest/memories?q=a&limit=51").status, 400);
}

TEST_F(RouterTest, MemoryLimitIs409) {
  ServiceOptions options;
  options.max_memories_per_space = 1;
  Start(options);
  ASSERT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"a","value":"v"})").status, 201);
  HttpResponse over = Send("PUT", "/api/rest/memory", R"({"key":"b","value":"v"})");
  EXPECT_EQ(over.status, 409);
  EXPECT_FALSE(ErrorOf(over).empty());
  EXPECT_EQ(Send("PUT", "/api/rest/memory", R"({"key":"a","value":"w"})").status, 200);
}

TEST_F(RouterTest, ListPagesReportTotals) {
  for (const char* key : {"a", "b", "c"}) {
    ASSERT_EQ(
        Send("PUT", "/api/rest/memory", std::string(R"({"key":")") + key + R"(","value":"v"})")
            .status,
        201);
    clock_.AdvanceMillis(1);
  }
  HttpResponse page = Send("GET", "/api/rest/memories?page=2&pageSize=2");
  ASSERT_EQ(page.status, 200);
  boost::json::value body = Body(page);
  EXPECT_EQ(body.at("page"), 2);
  EXPECT_EQ(body.at("pageSize"), 2);
  EXPECT_EQ(body.at("totalCount"), 3);
  EXPECT_EQ(body.at("totalPages"), 2);
  ASSERT_EQ(body.at("keys").as_array().size(), 1u);
  EXPECT_EQ(body.at("keys").as_array()[0].at("key"), "a");
}

TEST_F(RouterTest, BulkSetReportsEachItem) {
  HttpResponse response = Send("POST", "/api/rest/memories/bulk/set",
                               R"({"items":[{"key":"k1","value":"v1","tags":["t1"]},
                                            {"key":"k2","value":"v2","ttlMinutes":60},
                                            {"key":"k3"}, 7]})");
  ASSERT_EQ(response.status, 200) << response.body;
  boost::json::value body = Body(response);
  EXPECT_EQ(body.at("storedCount"), 2);
  EXPECT_EQ(body.at("errorCount"), 2);
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0], "\"k1\": stored with 1 tag(s)");
  EXPECT_EQ(results[1], "\"k2\": stored");
  EXPECT_EQ(results[2], "\"k3\": error: 'value' is required");
  EXPECT_EQ(results[3], "\"item 3\": error: not an object");
}

TEST_F(RouterTest, RequestsRecordWhenTheirSpaceWasLastUsed) {
  clock_.AdvanceMillis(12'345);
  ASSERT_EQ(Send("GET", "/api/rest/memories/count?space=seen").status, 200);
  auto summary = service_->Summary(SpaceRef{kDefaultAccountId, "seen"});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->last_used, clock_.NowMillis());
  EXPECT_TRUE(Body(Send("GET", "/api/rest/capsule?space=seen")).at("lastUsed").is_string());
}

// --- the pipeline with routes of its own ---

HttpResponse Throws(RouteContext&) { throw std::runtime_error("boom"); }
HttpResponse EchoParam(RouteContext& ctx) {
  return HttpResponse{200, std::string(ctx.PathParam("space")), "text/plain", {}};
}
HttpResponse Ok(RouteContext&) { return HttpResponse{204, "", "text/plain", {}}; }

class RouterCustomRoutesTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    const std::vector<Route> routes = {
        {"GET", "/throws", false, SpaceSource::kNone, Access::kRead, false, Throws, ""},
        {"POST", "/throws-blocking", false, SpaceSource::kNone, Access::kRead, true, Throws, ""},
        {"GET", "/spaces/{space}/echo", false, SpaceSource::kNone, Access::kRead, false, EchoParam,
         ""},
        {"POST", "/admin", true, SpaceSource::kNone, Access::kWrite, true, Ok, ""},
    };
    RouterOptions options;
    options.worker_threads = 1;
    custom_ = std::make_unique<Router>(*service_, routes, options);
  }
  void TearDown() override { custom_.reset(); }

  std::unique_ptr<Router> custom_;
};

TEST_F(RouterCustomRoutesTest, AThrowingHandlerBecomesA500) {
  const std::pair<const char*, const char*> cases[] = {{"GET", "/throws"},
                                                       {"POST", "/throws-blocking"}};
  for (const auto& [method, target] : cases) {
    HttpResponse response = Call(*custom_, method, target);
    EXPECT_EQ(response.status, 500) << target;
    EXPECT_NE(ErrorOf(response).find("boom"), std::string::npos) << target;
  }
}

TEST_F(RouterCustomRoutesTest, PathParametersMatchOneNonEmptySegment) {
  HttpResponse response = Call(*custom_, "GET", "/spaces/my%20space/echo");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "my space");
  EXPECT_EQ(Call(*custom_, "GET", "/spaces//echo").status, 404);
  EXPECT_EQ(Call(*custom_, "GET", "/spaces/a/b/echo").status, 404);
  EXPECT_EQ(Call(*custom_, "GET", "/spaces/a/echo/").status, 404);
}

TEST_F(RouterCustomRoutesTest, WriteRouteWithoutASpaceStillRefusesReadOnlyKeys) {
  EXPECT_EQ(Call(*custom_, "POST", "/admin", "",
                 {{"authorization", std::string("Bearer ") + kReadOnlyKey}})
                .status,
            403);
  EXPECT_EQ(Call(*custom_, "POST", "/admin", "", {{"authorization", std::string("Bearer ") + kKey}})
                .status,
            204);
}

}  // namespace
}  // namespace memoryd::http
