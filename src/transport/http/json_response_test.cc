// The HTTP routes' integer query parameters and JSON answers.
#include "transport/http/json_response.h"

#include <gtest/gtest.h>

#include <string>

namespace memoryd::http {
namespace {

TEST(JsonResponseTest, IntegerParamParsesDecimalIntegersOnly) {
  HttpRequest request;
  request.query = {{"a", "42"},    {"b", "-7"}, {"c", "5.0"}, {"d", ""},
                   {"e", "12abc"}, {"f", "+3"}, {"g", " 1"},  {"h", "99999999999999999999"},
                   {"a", "0"}};
  EXPECT_EQ(IntegerParam(request, "a", 1).value(), 42) << "the first value counts";
  EXPECT_EQ(IntegerParam(request, "b", 1).value(), -7);
  EXPECT_EQ(IntegerParam(request, "absent", 9).value(), 9);
  for (const char* bad : {"c", "d", "e", "f", "g", "h"}) {
    Status s = IntegerParam(request, bad, 1).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(std::string("'") + bad + "'"), std::string::npos) << s.message();
  }
}

TEST(JsonResponseTest, JsonResponseSerialisesTheBody) {
  HttpResponse response = JsonResponse(201, json::object{{"ok", true}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(json::parse(response.body), json::parse(R"({"ok":true})"));
}

}  // namespace
}  // namespace memoryd::http
