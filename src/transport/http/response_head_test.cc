// The hand-written answer head gives the bytes Beast's serializer gave for the same answer.
#include "transport/http/response_head.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <sstream>

namespace memoryd::http {
namespace {

namespace bhttp = boost::beast::http;

// What the server sent before it wrote heads itself: a Beast response, serialised.
std::string BeastBytes(const HttpResponse& response, bool keep_alive) {
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  res.result(static_cast<unsigned>(response.status));
  res.set(bhttp::field::server, "memoryd");
  res.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res.set(name, value);
  res.body() = response.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string OurBytes(const HttpResponse& response, bool keep_alive) {
  std::string out;
  AppendResponseHead(response, keep_alive, out);
  return out + response.body;
}

void ExpectSameBytes(const HttpResponse& response) {
  for (bool keep_alive : {true, false}) {
    EXPECT_EQ(OurBytes(response, keep_alive), BeastBytes(response, keep_alive))
        << "status " << response.status << " keep_alive " << keep_alive;
  }
}

TEST(ResponseHeadTest, MatchesBeastForPlainAnswers) {
  ExpectSameBytes(HttpResponse{200, R"({"key":"k","value":"v"})", "application/json", {}});
  ExpectSameBytes(HttpResponse{201, R"({"isNew":true})", "application/json", {}});
  ExpectSameBytes(HttpResponse{404, R"({"error":"memory 'k' not found"})", "application/json", {}});
  ExpectSameBytes(HttpResponse{413, R"({"error":"too large"})", "application/json", {}});
  ExpectSameBytes(HttpResponse{500, "", "text/plain", {}});
}

TEST(ResponseHeadTest, MatchesBeastWithExtraHeaders) {
  ExpectSameBytes(HttpResponse{401, "{}", "application/json", {{"WWW-Authenticate", "Bearer"}}});
  ExpectSameBytes(HttpResponse{405, "{}", "application/json", {{"Allow", "PUT, GET, DELETE"}}});
  ExpectSameBytes(HttpResponse{429, "{}", "application/json", {{"Retry-After", "3"}}});
  ExpectSameBytes(HttpResponse{200, "{}", "application/json", {{"A", "1"}, {"B", "2"}}});
}

TEST(ResponseHeadTest, MatchesBeastWhenAHeaderIsGivenTwiceOrOverridesADefault) {
  ExpectSameBytes(
      HttpResponse{200, "{}", "application/json", {{"A", "1"}, {"B", "2"}, {"a", "3"}}});
  ExpectSameBytes(HttpResponse{200, "{}", "application/json", {{"server", "other"}}});
  ExpectSameBytes(HttpResponse{200, "x", "application/json", {{"Content-Type", "text/plain"}}});
}

TEST(ResponseHeadTest, MatchesBeastForEmptyAnswers) {
  ExpectSameBytes(HttpResponse{204, "", "text/plain", {}});
  ExpectSameBytes(HttpResponse{304, "", "application/json", {}});
}

TEST(ResponseHeadTest, MatchesBeastForUnusualCodes) {
  ExpectSameBytes(HttpResponse{418, "{}", "application/json", {}});
  ExpectSameBytes(HttpResponse{599, "{}", "application/json", {}});
}

}  // namespace
}  // namespace memoryd::http
