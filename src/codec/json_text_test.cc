// JSON written directly is byte-for-byte what boost::json::serialize writes, numbers with a
// fraction aside (written as plain decimals here).
#include "codec/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include "codec/json_codec.h"

namespace memoryd::codec {
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
       {"{}", R"({"x":15,"y":[1,2,{"z":null}]})", "{ }", "[1]", "nope", R"({"a" : "\u00e9"})"}) {
    out.clear();
    AppendJsonMetadata(out, meta);
    EXPECT_EQ(out, boost::json::serialize(MetadataValue(meta))) << meta;
  }
  out.clear();
  AppendJsonMetadata(out, R"({"x":1.5,"y":[0.25]})");
  EXPECT_EQ(out, R"({"x":1.5,"y":[0.25]})");
}

std::string Num(double d) { return SerializeJson(boost::json::value(d)); }

TEST(JsonTextTest, NumbersWithAFractionAreWrittenAsPlainDecimals) {
  EXPECT_EQ(Num(0.953), "0.953");
  EXPECT_EQ(Num(0.5), "0.5");
  EXPECT_EQ(Num(-2.75), "-2.75");
  EXPECT_EQ(Num(1.0), "1.0");
  EXPECT_EQ(Num(0.0), "0.0");
  EXPECT_EQ(Num(-3.0), "-3.0");
  EXPECT_EQ(Num(1.2345678901234567e17), "123456789012345664.0");  // the exact value
  EXPECT_EQ(Num(1e-7), "1e-07");
  EXPECT_EQ(Num(1e300), "1e+300");
  EXPECT_EQ(Num(1e21), "1e+21");
  EXPECT_EQ(Num(std::nan("")), "null");
  EXPECT_EQ(Num(std::numeric_limits<double>::infinity()), "null");
  // Every double reads back exactly (checked with an exact reader: Boost.JSON 1.81's own parser
  // may be off by one unit in the last place).
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> any(-1e6, 1e6);
  for (int i = 0; i < 2000; ++i) {
    const double d = any(rng);
    const std::string text = Num(d);
    double back = 0;
    std::from_chars(text.data(), text.data() + text.size(), back);
    EXPECT_EQ(back, d) << text;
  }
}

TEST(JsonTextTest, DocumentsMatchBoostJsonApartFromFractions) {
  const char* docs[] = {
      R"({"a":1,"b":[true,false,null],"c":{"d":"e\n\"f","g":-9223372036854775808}})",
      R"([18446744073709551615,"\u0001",{},[],""])",
      R"({"nested":{"deeper":{"k":[1,[2,[3]]]}}})",
  };
  for (const char* doc : docs) {
    const boost::json::value v = boost::json::parse(doc);
    EXPECT_EQ(SerializeJson(v), boost::json::serialize(v)) << doc;
  }
  EXPECT_EQ(SerializeJson(boost::json::parse(R"({"score":0.953,"n":[1.5e3,2]})")),
            R"({"score":0.953,"n":[1500.0,2]})");
}

}  // namespace
}  // namespace memoryd::codec
