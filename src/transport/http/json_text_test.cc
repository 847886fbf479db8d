// JSON written directly is byte-for-byte what boost::json::serialize writes.
#include "transport/http/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "transport/http/json_codec.h"

namespace memoryd::http {
namespace {

std::string Direct(std::string_view value) {
  std::string out;
  AppendJsonString(out, value);
  return out;
}

std::string ViaBoost(std::string_view value) {
  return boost::json::serialize(boost::json::value(boost::json::string(value)));
}

TEST(JsonTextTest, EscapesEveryByteAsBoostJsonDoes) {
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(Direct(one), ViaBoost(one)) << "byte " << c;
    const std::string framed = "a" + one + "b" + one;
    EXPECT_EQ(Direct(framed), ViaBoost(framed)) << "byte " << c;
  }
}

TEST(JsonTextTest, MatchesBoostJsonOnRandomText) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int round = 0; round < 2000; ++round) {
    std::string s(static_cast<size_t>(length(rng)), '\0');
    for (auto& c : s) c = static_cast<char>(byte(rng));
    ASSERT_EQ(Direct(s), ViaBoost(s));
  }
  EXPECT_EQ(Direct(""), ViaBoost(""));
  EXPECT_EQ(Direct("héllo \"𝄞\" \\ /"), ViaBoost("héllo \"𝄞\" \\ /"));
}

TEST(JsonTextTest, StringsTimestampsAndMetadataMatchTheDomHelpers) {
  const std::vector<std::string> tags = {"a", "b\"c", ""};
  std::string out;
  AppendJsonStrings(out, tags);
  EXPECT_EQ(out, boost::json::serialize(StringsValue(tags)));
  out.clear();
  AppendJsonStrings(out, {});
  EXPECT_EQ(out, "[]");
  for (std::optional<int64_t> ts : {std::optional<int64_t>(), std::optional<int64_t>(0),
                                    std::optional<int64_t>(1'700'000'000'123)}) {
    out.clear();
    AppendJsonTimestamp(out, ts);
    EXPECT_EQ(out, boost::json::serialize(TimestampValue(ts)));
  }
  for (const std::string meta :
       {"{}", R"({"x":1.5,"y":[1,2,{"z":null}]})", "{ }", "[1]", "nope", R"({"a" : "\u00e9"})"}) {
    out.clear();
    AppendJsonMetadata(out, meta);
    EXPECT_EQ(out, boost::json::serialize(MetadataValue(meta))) << meta;
  }
}

}  // namespace
}  // namespace memoryd::http
