// Request target parsing and field lookup.
#include "transport/http/http_types.h"

#include <gtest/gtest.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <random>
#include <string>

namespace memoryd::http {
namespace {

HttpRequest Parsed(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  Status s = ParseTarget(request);
  EXPECT_TRUE(s.ok()) << request.target << ": " << s.ToString();
  return request;
}

TEST(HttpTypesTest, ParseTargetSplitsAndDecodesPathAndQuery) {
  HttpRequest r = Parsed("/api/rest/memory?key=a%20b&space=%F0%9F%99%82&empty=&flag");
  EXPECT_EQ(r.path, "/api/rest/memory");
  ASSERT_EQ(r.query.size(), 4u);
  EXPECT_EQ(r.Query("key"), "a b");
  EXPECT_EQ(r.Query("space"), "\xf0\x9f\x99\x82");
  EXPECT_EQ(r.Query("empty"), "");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_EQ(r.Query("absent"), std::nullopt);
}

TEST(HttpTypesTest, ParseTargetDecodesThePathAndKeepsEncodedSeparatorsInValues) {
  HttpRequest r = Parsed("/api/rest/%6Demory?key=a%26b%3Dc%3F");
  EXPECT_EQ(r.path, "/api/rest/memory");
  EXPECT_EQ(r.Query("key"), "a&b=c?");
}

TEST(HttpTypesTest, ParseTargetKeepsRepeatedParametersInOrder) {
  HttpRequest r = Parsed("/x?a=1&b=2&a=3");
  ASSERT_EQ(r.query.size(), 3u);
  EXPECT_EQ(r.query[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(r.query[2], (std::pair<std::string, std::string>{"a", "3"}));
  EXPECT_EQ(r.Query("a"), "1") << "Query returns the first value";
}

TEST(HttpTypesTest, ParseTargetReplacesAnEarlierQuery) {
  HttpRequest r = Parsed("/x?a=1");
  r.target = "/y";
  ASSERT_TRUE(ParseTarget(r).ok());
  EXPECT_EQ(r.path, "/y");
  EXPECT_TRUE(r.query.empty());
}

TEST(HttpTypesTest, ParseTargetRejectsMalformedTargets) {
  for (const char* target :
       {"", "no-leading-slash", "http://host/path", "/a b", "/x?k=%zz", "/x?k=%4", "//\x01"}) {
    HttpRequest request;
    request.target = target;
    EXPECT_EQ(ParseTarget(request).code(), StatusCode::kInvalidArgument)
        << testing::PrintToString(std::string(target));
  }
}

TEST(HttpTypesTest, HeaderLooksUpLowerCaseNames) {
  HttpRequest r;
  r.headers = {{"authorization", "Bearer x"}, {"x-memory-space", "a"}, {"x-memory-space", "b"}};
  EXPECT_EQ(r.Header("authorization"), "Bearer x");
  EXPECT_EQ(r.Header("x-memory-space"), "a");
  EXPECT_EQ(r.Header("content-type"), std::nullopt);
}

// ParseTarget reads common targets by hand; whatever it accepts must parse exactly as Boost.URL
// parses it, and whatever Boost.URL rejects it must reject.
TEST(HttpTypesTest, ParseTargetAgreesWithBoostUrlOnRandomTargets) {
  const std::string alphabet = "/?&=a%+:@!$'()*,;-._~ #[]\"x0Z9";
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 12);
  for (int round = 0; round < 20000; ++round) {
    std::string target = round % 2 == 0 ? "/" : "";
    for (int n = length(rng); n > 0; --n) target += alphabet[pick(rng)];
    HttpRequest request;
    request.target = target;
    const Status ours = ParseTarget(request);
    auto theirs = boost::urls::parse_origin_form(target);
    ASSERT_EQ(ours.ok(), theirs.has_value()) << target;
    if (!ours.ok()) continue;
    ASSERT_EQ(request.path, std::string(theirs->path())) << target;
    Fields expected;
    for (const auto& param : theirs->params()) {
      expected.emplace_back(std::string(param.key), std::string(param.value));
    }
    ASSERT_EQ(request.query, expected) << target;
  }
}

}  // namespace
}  // namespace memoryd::http
