// The one StatusCode -> HTTP mapping: codes, the {"error": "..."} body and the headers.
#include "transport/http/error_map.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>

namespace memoryd::http {
namespace {

std::optional<std::string> HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [k, v] : response.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

TEST(ErrorMapTest, EveryStatusCodeMapsToItsDocumentedHttpStatus) {
  const std::pair<StatusCode, int> table[] = {
      {StatusCode::kOk, 200},
      {StatusCode::kInvalidArgument, 400},
      {StatusCode::kUnauthenticated, 401},
      {StatusCode::kPermissionDenied, 403},
      {StatusCode::kNotFound, 404},
      {StatusCode::kConflict, 409},
      {StatusCode::kLimitExceeded, 409},  // seed 004: "409 Limit exceeded"
      {StatusCode::kTooLarge, 413},
      {StatusCode::kRateLimited, 429},
      {StatusCode::kInternal, 500},
      {StatusCode::kUnavailable, 503},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << StatusCodeName(code);
  }
}

TEST(ErrorMapTest, BodyIsAJsonObjectWithOnlyTheErrorMessage) {
  const Status statuses[] = {
      Status::InvalidArgument("'key' must not be empty"),
      Status::NotFound("memory \"quoted\" not found"),
      Status::LimitExceeded("limit reached: 200"),
      Status::TooLarge("too big \xc3\xa9"),
      Status::Internal("line\nbreak and \\ backslash"),
      Status::Unavailable(""),
  };
  for (const Status& status : statuses) {
    HttpResponse response = ErrorResponse(status);
    EXPECT_EQ(response.status, HttpStatusFor(status.code()));
    EXPECT_EQ(response.content_type, "application/json");
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(response.body, ec);
    ASSERT_FALSE(ec) << response.body;
    ASSERT_TRUE(body.is_object()) << response.body;
    ASSERT_EQ(body.as_object().size(), 1u) << response.body;
    const boost::json::value* error = body.as_object().if_contains("error");
    ASSERT_NE(error, nullptr);
    ASSERT_TRUE(error->is_string());
    EXPECT_EQ(std::string(error->as_string()), status.message());
  }
}

TEST(ErrorMapTest, RateLimitedCarriesRetryAfter) {
  HttpResponse response = ErrorResponse(Status::RateLimited("slow down", 60));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "60");
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), std::nullopt);
}

TEST(ErrorMapTest, UnauthenticatedCarriesWwwAuthenticateBearer) {
  HttpResponse response = ErrorResponse(Status::Unauthenticated("missing API key"));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), std::nullopt);
}

TEST(ErrorMapTest, OtherErrorsCarryNoExtraHeaders) {
  for (StatusCode code : {StatusCode::kInvalidArgument, StatusCode::kNotFound,
                          StatusCode::kPermissionDenied, StatusCode::kInternal}) {
    EXPECT_TRUE(ErrorResponse(Status(code, "x")).headers.empty()) << StatusCodeName(code);
  }
}

}  // namespace
}  // namespace memoryd::http
