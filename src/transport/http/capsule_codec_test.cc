// Capsule dialect JSON shapes: reading a memory, string lists, previews and result lines.
#include "transport/http/capsule_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "codec/json_text.h"
#include "service/validation.h"

namespace memoryd::http {
namespace {

Result<MemoryInput> Read(std::string_view body) {
  auto object = codec::ParseObject(body);
  if (!object.ok()) return object.status();
  return ReadCapsuleMemory(*object);
}

std::string Repeat(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.append(unit);
  return out;
}

TEST(CapsuleCodecTest, ReadCapsuleMemoryReadsEveryField) {
  auto in = Read(R"({"key": "k", "value": "v", "tags": ["a", "b"], "ttlMinutes": 1.5,
                     "title": "T", "metadata": {"x": 1}})");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->key, "k");
  EXPECT_EQ(in->text, "v");
  EXPECT_EQ(in->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(in->ttl_minutes, 1.5);
  EXPECT_EQ(in->title, "T");
  EXPECT_EQ(json::parse(in->metadata_json), json::parse(R"({"x": 1})"));
}

TEST(CapsuleCodecTest, ReadCapsuleMemoryDefaultsOptionalFields) {
  auto in = Read(R"({"key": "k", "value": "v", "tags": null, "ttlMinutes": null})");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_TRUE(in->tags.empty());
  EXPECT_FALSE(in->ttl_minutes.has_value());
  EXPECT_EQ(in->title, "");
  EXPECT_EQ(in->metadata_json, "{}");
}

TEST(CapsuleCodecTest, ReadCapsuleMemoryErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"value": "v"})", "'key' is required"},
      {R"({"key": "k"})", "'value' is required"},
      {R"({"key": 1, "value": "v"})", "'key' must be a string"},
      {R"({"key": "k", "value": {"a": 1}})", "'value' must be a string"},
      {R"({"key": "k", "value": "v", "tags": "a"})", "'tags' must be an array of strings"},
      {R"({"key": "k", "value": "v", "tags": [1]})", "'tags' must be an array of strings"},
      {R"({"key": "k", "value": "v", "ttlMinutes": "60"})", "'ttlMinutes' must be a number"},
      {R"({"key": "k", "value": "v", "title": 3})", "'title' must be a string"},
      {R"({"key": "k", "value": "v", "metadata": "x"})", "'metadata' must be a JSON object"},
      {R"({"key": "k", "value": "v", "ttl": 5})", "unknown field 'ttl'"},
  };
  for (const auto& [body, message] : cases) {
    auto in = Read(body);
    EXPECT_EQ(in.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(in.status().message(), message) << body;
  }
}

TEST(CapsuleCodecTest, ReadStringListRequiresTheFieldAndNothingElse) {
  auto keys = ReadStringList(R"({"keys": ["a", "b"]})", "keys");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<std::string>{"a", "b"}));
  auto empty = ReadStringList(R"({"keys": []})", "keys");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  EXPECT_EQ(ReadStringList("{}", "keys").status().message(), "'keys' is required");
  EXPECT_EQ(ReadStringList(R"({"keys": null})", "keys").status().message(), "'keys' is required");
  EXPECT_EQ(ReadStringList(R"({"keys": "a"})", "keys").status().message(),
            "'keys' must be an array of strings");
  EXPECT_EQ(ReadStringList(R"({"keys": [], "extra": 1})", "keys").status().message(),
            "unknown field 'extra'");
  EXPECT_EQ(ReadStringList(R"(["a"])", "keys").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadStringList("", "keys").status().code(), StatusCode::kInvalidArgument);
}

TEST(CapsuleCodecTest, PreviewKeepsShortValuesWhole) {
  EXPECT_EQ(Preview(""), "");
  EXPECT_EQ(Preview("short"), "short");
  const std::string hundred(100, 'a');
  EXPECT_EQ(Preview(hundred), hundred);
  // 100 characters but 200 bytes: still not cut.
  const std::string hundred_wide = Repeat("\xc3\xa9", 100);
  EXPECT_EQ(Preview(hundred_wide), hundred_wide);
}

TEST(CapsuleCodecTest, PreviewCutsAtHundredCharactersAndAddsEllipsis) {
  EXPECT_EQ(Preview(std::string(101, 'a')), std::string(100, 'a') + "...");
  EXPECT_EQ(Preview(std::string(5000, 'a')), std::string(100, 'a') + "...");
}

TEST(CapsuleCodecTest, PreviewNeverSplitsAMultiByteCharacter) {
  for (std::string_view unit : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x99\x82"}) {
    for (int prefix : {0, 97, 98, 99}) {
      const std::string value = std::string(static_cast<size_t>(prefix), 'a') + Repeat(unit, 10);
      const std::string preview = Preview(value);
      SCOPED_TRACE(testing::PrintToString(value));
      EXPECT_TRUE(IsValidUtf8(preview));
      const int wide = 100 - prefix;
      if (prefix + 10 <= 100) {
        EXPECT_EQ(preview, value);
      } else {
        EXPECT_EQ(preview,
                  std::string(static_cast<size_t>(prefix), 'a') + Repeat(unit, wide) + "...");
      }
    }
  }
}

TEST(CapsuleCodecTest, BulkResultLineMatchesTheSeed) {
  BulkPutItemOutcome tagged;
  tagged.outcome = PutOutcome{};
  tagged.outcome->memory.tags = {"t1"};
  EXPECT_EQ(BulkResultLine("k1", tagged), "\"k1\": stored with 1 tag(s)");
  tagged.outcome->memory.tags = {"a", "b", "c"};
  EXPECT_EQ(BulkResultLine("k1", tagged), "\"k1\": stored with 3 tag(s)");

  BulkPutItemOutcome untagged;
  untagged.outcome = PutOutcome{};
  EXPECT_EQ(BulkResultLine("k2", untagged), "\"k2\": stored");

  BulkPutItemOutcome failed;
  failed.error = "'key' must not be empty";
  EXPECT_EQ(BulkResultLine("item 2", failed), "\"item 2\": error: 'key' must not be empty");
}

TEST(CapsuleCodecTest, PutOutcomeJsonHasTheSeedFields) {
  PutOutcome outcome;
  outcome.created = true;
  outcome.memory.id = "id-1";
  outcome.memory.key = "user-preferences";
  outcome.memory.tags = {"settings", "ui"};
  outcome.memory.expires_at = int64_t{1'778'500'800'000};
  const json::object out = PutOutcomeJson(outcome);
  EXPECT_EQ(out.at("key"), "user-preferences");
  EXPECT_EQ(out.at("stored"), true);
  EXPECT_EQ(out.at("tags"), json::parse(R"(["settings", "ui"])"));
  EXPECT_EQ(out.at("expiresAt"), "2026-05-11T12:00:00.000Z");
  EXPECT_EQ(out.at("isNew"), true);
  outcome.created = false;
  outcome.memory.expires_at.reset();
  const json::object replaced = PutOutcomeJson(outcome);
  EXPECT_EQ(replaced.at("isNew"), false);
  EXPECT_TRUE(replaced.at("expiresAt").is_null());
}

TEST(CapsuleCodecTest, CapsuleMemoryJsonUsesTheIdWhenThereIsNoKey) {
  Memory memory;
  memory.id = "mem_123";
  memory.text = "v";
  memory.metadata_json = "broken";
  const json::object out = CapsuleMemoryJson(memory);
  EXPECT_EQ(out.at("key"), "mem_123");
  EXPECT_EQ(out.at("value"), "v");
  EXPECT_EQ(out.at("tags"), json::array());
  EXPECT_TRUE(out.at("expiresAt").is_null());
  EXPECT_EQ(out.at("createdAt"), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(out.at("metadata"), json::object());
  EXPECT_EQ(PublicKey(memory), "mem_123");
  memory.key = "k";
  EXPECT_EQ(PublicKey(memory), "k");
}

TEST(CapsuleCodecTest, CapsuleMemoryTextIsTheSerialisedJson) {
  Memory plain;
  plain.id = "01a1fbcc-b419-73e6-9c01-c11ff5ed01b8";
  plain.key = "k1";
  plain.text = "the quick brown fox";
  plain.tags = {"bench"};
  plain.created_at = 1'700'000'000'123;
  plain.updated_at = 1'700'000'000'456;
  plain.metadata_json = "{}";
  Memory odd = plain;
  odd.key.reset();
  odd.text = "v \x01 \x1f \" \\ / \xc3\xa9 \t\n\x7f";
  odd.tags = {"a\"b", "", "c"};
  odd.title = "T \"q\"";
  odd.expires_at = 1'800'000'000'000;
  odd.metadata_json = R"({"x":1.5,"y":[1,2,{"z":null}],"s":"\u2028"})";
  Memory broken = plain;
  broken.metadata_json = "broken";
  for (const Memory& m : {plain, odd, broken}) {
    EXPECT_EQ(CapsuleMemoryText(m), codec::SerializeJson(CapsuleMemoryJson(m)));
  }
}

}  // namespace
}  // namespace memoryd::http
