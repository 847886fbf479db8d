// Argument validation against tool input schemas: types, required and unknown arguments,
// bounds, enums and nested paths in messages.
#include "transport/mcp/schema.h"

#include <gtest/gtest.h>

namespace memoryd::mcp {
namespace {

namespace json = boost::json;

const json::object& Schema() {
  static const json::object schema = json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["query"],
    "properties": {
      "query": {"type": "string", "minLength": 1, "maxLength": 5},
      "top_k": {"type": "integer", "minimum": 1, "maximum": 100},
      "ttl": {"type": "number"},
      "mode": {"type": "string", "enum": ["a", "b"]},
      "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
      "filters": {"type": "object", "additionalProperties": false, "properties": {
        "meta": {"type": "object", "additionalProperties": {"type": ["string", "number"]}}}},
      "items": {"type": "array", "items": {"type": "object", "required": ["key"],
        "properties": {"key": {"type": "string"}}}}
    }})")
                                         .as_object();
  return schema;
}

std::string Error(std::string_view args) {
  Status s = ValidateArguments(Schema(), json::parse(args));
  return s.ok() ? "ok" : s.message();
}

TEST(SchemaTest, AcceptsValidArgumentsAndNullForOptionalOnes) {
  EXPECT_EQ(Error(R"({"query":"hi"})"), "ok");
  EXPECT_EQ(Error(R"({"query":"hi","top_k":3,"ttl":1.5,"mode":"b","tags":["x"]})"), "ok");
  EXPECT_EQ(Error(R"({"query":"hi","top_k":2.0})"), "ok");
  EXPECT_EQ(Error(R"({"query":"hi","top_k":null,"filters":{"meta":{"a":"x","b":2}}})"), "ok");
  EXPECT_EQ(Error(R"({"query":"héllo"})"), "ok");  // five characters, six bytes
}

TEST(SchemaTest, NamesTheArgumentAndWhatItMustBe) {
  EXPECT_EQ(Error(R"({})"), "'query' is required");
  EXPECT_EQ(Error(R"({"query":null})"), "'query' is required");
  EXPECT_EQ(Error(R"({"query":3})"), "'query' must be a string");
  EXPECT_EQ(Error(R"({"query":""})"), "'query' must not be empty");
  EXPECT_EQ(Error(R"({"query":"toolong"})"), "'query' must be at most 5 characters");
  EXPECT_EQ(Error(R"({"query":"a","top_k":1.5})"), "'top_k' must be an integer");
  EXPECT_EQ(Error(R"({"query":"a","top_k":"3"})"), "'top_k' must be an integer");
  EXPECT_EQ(Error(R"({"query":"a","top_k":0})"), "'top_k' must be at least 1");
  EXPECT_EQ(Error(R"({"query":"a","top_k":101})"), "'top_k' must be at most 100");
  EXPECT_EQ(Error(R"({"query":"a","mode":"c"})"), "'mode' must be one of \"a\", \"b\"");
  EXPECT_EQ(Error(R"({"query":"a","tags":["x","y","z"]})"), "'tags' may hold at most 2 items");
  EXPECT_EQ(Error(R"({"query":"a","tags":["x",1]})"), "'tags[1]' must be a string");
  EXPECT_EQ(Error(R"({"query":"a","filters":{"meta":{"k":true}}})"),
            "'filters.meta.k' must be a string or a number");
  EXPECT_EQ(Error(R"({"query":"a","items":[{"key":"k"},{}]})"), "'items[1].key' is required");
}

TEST(SchemaTest, RejectsUnknownArgumentsListingTheKnownOnes) {
  const std::string e = Error(R"({"query":"a","colour":"red"})");
  EXPECT_EQ(e.rfind("unknown argument 'colour'; the arguments are: query, top_k", 0), 0u) << e;
  EXPECT_EQ(Error(R"({"query":"a","filters":{"x":1}})").rfind("unknown argument 'filters.x'", 0),
            0u);
}

TEST(SchemaTest, ArgumentsMustBeAnObject) {
  EXPECT_FALSE(ValidateArguments(Schema(), json::parse("[1]")).ok());
  EXPECT_FALSE(ValidateArguments(Schema(), json::parse("\"x\"")).ok());
}

}  // namespace
}  // namespace memoryd::mcp
