// JSON readers: body parsing limits, typed field access and the messages that name fields.
#include "codec/json_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace memoryd::codec {
namespace {

json::object Obj(std::string_view text) {
  auto parsed = ParseObject(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : json::object();
}

std::string Nested(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += "{\"a\":";
  out += "1";
  out += std::string(static_cast<size_t>(depth), '}');
  return out;
}

// --- ParseObject / ParseJson ---

TEST(JsonCodecTest, ParseObjectAcceptsOnlyObjects) {
  EXPECT_TRUE(ParseObject(R"({"a": 1})").ok());
  EXPECT_TRUE(ParseObject("{}").ok());
  const char* not_objects[] = {"[]", "[1, 2]", R"("a string")", "42", "true", "null"};
  for (const char* body : not_objects) {
    EXPECT_EQ(ParseObject(body).status().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(JsonCodecTest, ParseObjectRejectsBrokenJson) {
  const char* broken[] = {"",
                          "{",
                          R"({"a": })",
                          R"({"a" 1})",
                          "{'a': 1}",
                          R"({"a": 1,})",
                          R"({"a": 1} x)",
                          R"({"a": 1}{})",
                          "\xff\xfe{}",
                          R"({"a": "\x"})"};
  for (const char* body : broken) {
    auto parsed = ParseObject(body);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(JsonCodecTest, NestingDeeperThan32IsRejected) {
  EXPECT_TRUE(ParseObject(Nested(10)).ok());
  EXPECT_TRUE(ParseObject(Nested(32)).ok());
  EXPECT_EQ(ParseObject(Nested(33)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseObject(Nested(10'000)).status().code(), StatusCode::kInvalidArgument);
  std::string arrays = "{\"a\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  EXPECT_EQ(ParseObject(arrays).status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonCodecTest, ParseJsonAcceptsAnyDocument) {
  auto value = ParseJson("[1, \"two\"]");
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value->is_array());
  EXPECT_FALSE(ParseJson("").ok());
}

// --- ObjectReader ---

TEST(JsonCodecTest, AllowOnlyNamesTheFirstUnknownField) {
  json::object o = Obj(R"({"key": "k", "valeu": "v"})");
  Status s = ObjectReader(o).AllowOnly({"key", "value"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'valeu'"), std::string::npos) << s.message();
  EXPECT_TRUE(ObjectReader(o).AllowOnly({"key", "valeu", "other"}).ok());
  json::object empty;
  EXPECT_TRUE(ObjectReader(empty).AllowOnly({}).ok());
}

TEST(JsonCodecTest, RequiredStringRequiresAString) {
  json::object o = Obj(R"({"s": "text", "n": 5, "z": null, "e": ""})");
  ObjectReader r(o);
  auto s = r.RequiredString("s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "text");
  auto e = r.RequiredString("e");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "");
  Status wrong = r.RequiredString("n").status();
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.message(), "'n' must be a string");
  EXPECT_EQ(r.RequiredString("z").status().message(), "'z' is required");
  EXPECT_EQ(r.RequiredString("missing").status().message(), "'missing' is required");
}

TEST(JsonCodecTest, TypeErrorsNameTheField) {
  json::object o = Obj(R"({"str": 1, "num": "1", "int": true, "flag": "yes",
                           "list": "a", "items": ["a", 2], "meta": [], "ok": null})");
  ObjectReader r(o);
  EXPECT_EQ(r.OptionalString("str").status().message(), "'str' must be a string");
  EXPECT_EQ(r.OptionalNumber("num").status().message(), "'num' must be a number");
  EXPECT_EQ(r.OptionalInteger("int").status().message(), "'int' must be an integer");
  EXPECT_EQ(r.OptionalBool("flag").status().message(), "'flag' must be true or false");
  EXPECT_EQ(r.StringArray("list").status().message(), "'list' must be an array of strings");
  EXPECT_EQ(r.StringArray("items").status().message(), "'items' must be an array of strings");
  EXPECT_EQ(r.OptionalObjectText("meta").status().message(), "'meta' must be a JSON object");
}

TEST(JsonCodecTest, AbsentAndNullOptionalFieldsAreEmpty) {
  json::object o = Obj(R"({"n": null})");
  ObjectReader r(o);
  for (const char* name : {"n", "absent"}) {
    auto s = r.OptionalString(name);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s->has_value());
    auto d = r.OptionalNumber(name);
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d->has_value());
    auto i = r.OptionalInteger(name);
    ASSERT_TRUE(i.ok());
    EXPECT_FALSE(i->has_value());
    auto b = r.OptionalBool(name);
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(b->has_value());
    auto a = r.StringArray(name);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->empty());
    auto m = r.OptionalObjectText(name);
    ASSERT_TRUE(m.ok());
    EXPECT_FALSE(m->has_value());
  }
}

TEST(JsonCodecTest, OptionalIntegerAcceptsWholeNumbersOnly) {
  json::object o = Obj(R"({"a": 5, "b": 5.0, "c": 5.5, "d": "5", "e": -3, "f": 1e2,
                           "g": 9223372036854775807, "h": 18446744073709551615,
                           "k": 0.0, "l": -2.5e-3, "m": [5]})");
  ObjectReader r(o);
  EXPECT_EQ(r.OptionalInteger("a").value(), 5);
  EXPECT_EQ(r.OptionalInteger("b").value(), 5);
  EXPECT_EQ(r.OptionalInteger("e").value(), -3);
  EXPECT_EQ(r.OptionalInteger("f").value(), 100);
  EXPECT_EQ(r.OptionalInteger("g").value(), INT64_MAX);
  EXPECT_EQ(r.OptionalInteger("k").value(), 0);
  for (const char* bad : {"c", "d", "h", "l", "m"}) {
    EXPECT_EQ(r.OptionalInteger(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(JsonCodecTest, OptionalIntegerRejectsDoublesOutsideInt64WithoutUndefinedBehaviour) {
  json::object o = Obj(R"({"i": 1e300, "j": -1e19, "k": 9.3e18})");
  ObjectReader r(o);
  for (const char* bad : {"i", "j", "k"}) {
    EXPECT_EQ(r.OptionalInteger(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(JsonCodecTest, OptionalNumberAcceptsIntegersAndDoubles) {
  json::object o = Obj(R"({"i": 3, "d": 0.25, "u": 18446744073709551615})");
  ObjectReader r(o);
  EXPECT_EQ(r.OptionalNumber("i").value(), 3.0);
  EXPECT_EQ(r.OptionalNumber("d").value(), 0.25);
  EXPECT_EQ(r.OptionalNumber("u").value(), 18446744073709551615.0);
}

TEST(JsonCodecTest, StringArrayAndObjectTextReturnTheirContent) {
  json::object o = Obj(R"({"tags": ["a", "", "a"], "meta": {"x": [1, {"y": null}]}})");
  ObjectReader r(o);
  auto tags = r.StringArray("tags");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (std::vector<std::string>{"a", "", "a"})) << "readers do not normalise";
  auto meta = r.OptionalObjectText("meta");
  ASSERT_TRUE(meta.ok());
  ASSERT_TRUE(meta->has_value());
  EXPECT_EQ(json::parse(**meta), json::parse(R"({"x": [1, {"y": null}]})"));
}

// --- query parameters and encoders ---

TEST(JsonCodecTest, MetadataValueFallsBackToAnEmptyObject) {
  EXPECT_EQ(MetadataValue(R"({"a":1})"), json::parse(R"({"a":1})"));
  EXPECT_EQ(MetadataValue("not json"), json::object());
  EXPECT_EQ(MetadataValue("[1]"), json::object());
}

TEST(JsonCodecTest, TimestampValueIsIsoOrNull) {
  EXPECT_TRUE(TimestampValue(std::nullopt).is_null());
  json::value t = TimestampValue(int64_t{1'778'500'800'000});
  ASSERT_TRUE(t.is_string());
  EXPECT_EQ(t.as_string(), "2026-05-11T12:00:00.000Z");
}

}  // namespace
}  // namespace memoryd::codec

namespace memoryd::codec {
namespace {

TEST(JsonStrictTest, RepeatedMemberNamesAreRefusedAtAnyDepth) {
  for (const char* text : {R"({"key":"a","value":"x","key":"b"})", R"({"a":{"b":1,"b":2}})",
                           R"({"a":[{"x":1},{"y":2,"y":3}]})", R"({"k\u0065y":1,"key":2})",
                           R"({"a":{"z":{"q":1}},"a":2})"}) {
    auto parsed = ParseJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.status().message().find("same member twice"), std::string::npos) << text;
  }
}

TEST(JsonStrictTest, DistinctMembersAndLookalikeStringsPass) {
  for (const char* text :
       {R"({"key":"a","value":"{\"key\":1,\"key\":2}"})", R"({"a":[1,"b,\"c\"",{}],"b":{}})",
        R"([{"a":1},{"a":1}])", R"({"a\\":1,"a":2})", R"({})", R"("x")"}) {
    EXPECT_TRUE(ParseJson(text).ok()) << text;
  }
}

}  // namespace
}  // namespace memoryd::codec
