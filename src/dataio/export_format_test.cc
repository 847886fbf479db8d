#include "dataio/export_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/time_format.h"

namespace memoryd::dataio {
namespace {

constexpr int64_t kExportedAt = 1'700'000'000'000;
const ExportHeader kHeader{kFormatVersion, kExportedAt};

MemoryRecord Sample() {
  MemoryRecord rec;
  Memory& m = rec.memory;
  m.id = "0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5f";
  m.space = "notes";
  m.key = "k\"1";
  m.title = "a title";
  m.text = "line one\nline two \xc3\xa9";
  m.tags = {"a", "b"};
  m.metadata_json = R"({"n":1,"x":{"y":[true,null]}})";
  m.created_at = kExportedAt - 5000;
  m.updated_at = kExportedAt - 1000;
  m.expires_at = kExportedAt + 60'000;
  return rec;
}

Status DecodeStatus(std::string_view line) {
  return DecodeRecord(line, kHeader, ServiceOptions{}).status();
}

TEST(ExportFormatTest, HeaderRoundTrips) {
  auto header = DecodeHeader(EncodeHeader(kExportedAt));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->version, kFormatVersion);
  EXPECT_EQ(header->exported_at, kExportedAt);
}

TEST(ExportFormatTest, HeaderOfANewerVersionIsRefusedNamingBothVersions) {
  auto header = DecodeHeader(
      R"({"format":"memoryd-export","version":2,"exportedAt":"2026-01-01T00:00:00.000Z"})");
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.status().message().find("version 2"), std::string::npos);
  EXPECT_NE(header.status().message().find("(1)"), std::string::npos);
}

TEST(ExportFormatTest, AnythingElseIsNotAHeader) {
  for (std::string_view line : {"", "not json", "[]", R"({"format":"other","version":1})",
                                R"({"id":"x","space":"s","text":"t"})"}) {
    EXPECT_EQ(DecodeHeader(line).status().code(), StatusCode::kInvalidArgument) << line;
  }
}

TEST(ExportFormatTest, RecordRoundTripsEveryField) {
  const MemoryRecord rec = Sample();
  const std::string line = EncodeRecord(rec);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one record is one line";
  auto back = DecodeRecord(line, kHeader, ServiceOptions{});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const Memory& a = rec.memory;
  const Memory& b = back->memory;
  EXPECT_EQ(b.id, a.id);
  EXPECT_EQ(b.space, a.space);
  EXPECT_EQ(b.key, a.key);
  EXPECT_EQ(b.title, a.title);
  EXPECT_EQ(b.text, a.text);
  EXPECT_EQ(b.tags, a.tags);
  EXPECT_EQ(b.metadata_json, a.metadata_json);
  EXPECT_EQ(b.created_at, a.created_at);
  EXPECT_EQ(b.updated_at, a.updated_at);
  EXPECT_EQ(b.expires_at, a.expires_at);
  EXPECT_TRUE(back->embedding.empty());
}

TEST(ExportFormatTest, RecordUsesTheApiFieldNamesAndTimeFormat) {
  const std::string line = EncodeRecord(Sample());
  for (std::string_view field :
       {"\"id\":", "\"space\":", "\"key\":", "\"title\":", "\"text\":", "\"tags\":",
        "\"metadata\":", "\"createdAt\":", "\"updatedAt\":", "\"expiresAt\":"}) {
    EXPECT_NE(line.find(field), std::string::npos) << field;
  }
  EXPECT_NE(line.find(FormatIsoMillis(kExportedAt - 5000)), std::string::npos);
  EXPECT_EQ(line.find("embedding"), std::string::npos);
}

TEST(ExportFormatTest, EmbeddingRoundTripsExactly) {
  MemoryRecord rec = Sample();
  rec.embedding = {0.5f, -1.25f, 3.0e-8f, 0.0f, 1.0f / 3.0f};
  rec.embedder = "builtin-v1";
  auto back = DecodeRecord(EncodeRecord(rec), kHeader, ServiceOptions{});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->embedding, rec.embedding);
  EXPECT_EQ(back->embedder, rec.embedder);
}

TEST(ExportFormatTest, VectorEncodingIsLittleEndianFloat32Base64) {
  // 1.0f is 0x3f800000: bytes 00 00 80 3f.
  EXPECT_EQ(EncodeVector({1.0f}), "AACAPw==");
  auto back = DecodeVector("AACAPw==");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::vector<float>{1.0f});
  for (size_t n = 1; n <= 5; ++n) {  // every padding length
    std::vector<float> v(n, 2.5f);
    auto round = DecodeVector(EncodeVector(v));
    ASSERT_TRUE(round.ok()) << n;
    EXPECT_EQ(*round, v);
  }
}

TEST(ExportFormatTest, BadVectorsAreRefused) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::string bad : {std::string(""), std::string("AACAPw="), std::string("AACA"),
                          std::string("!!!!"), EncodeVector({nan})}) {
    EXPECT_FALSE(DecodeVector(bad).ok()) << bad;
  }
}

TEST(ExportFormatTest, OptionalFieldsTakeTheirDefaults) {
  auto rec = DecodeRecord(R"({"space":"s","text":"hello"})", kHeader, ServiceOptions{});
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_TRUE(IsUuid(rec->memory.id));
  EXPECT_FALSE(rec->memory.key.has_value());
  EXPECT_EQ(rec->memory.title, "");
  EXPECT_TRUE(rec->memory.tags.empty());
  EXPECT_EQ(rec->memory.metadata_json, "{}");
  EXPECT_EQ(rec->memory.created_at, kExportedAt);
  EXPECT_EQ(rec->memory.updated_at, kExportedAt);
  EXPECT_FALSE(rec->memory.expires_at.has_value());
}

TEST(ExportFormatTest, DerivedIdsAreStableAndDistinguishMemories) {
  auto id = [](std::string_view line) {
    auto rec = DecodeRecord(line, kHeader, ServiceOptions{});
    return rec.ok() ? rec->memory.id : std::string("error");
  };
  EXPECT_EQ(id(R"({"space":"s","text":"a"})"), id(R"({"space":"s","text":"a","title":"t"})"));
  EXPECT_NE(id(R"({"space":"s","text":"a"})"), id(R"({"space":"s","text":"b"})"));
  EXPECT_NE(id(R"({"space":"s","text":"a"})"), id(R"({"space":"t","text":"a"})"));
  EXPECT_EQ(id(R"({"space":"s","key":"k","text":"a"})"),
            id(R"({"space":"s","key":"k","text":"b"})"));
}

TEST(ExportFormatTest, MalformedRecordsAreRefusedNamingTheField) {
  struct Case {
    std::string line;
    std::string mentions;
  };
  const Case cases[] = {
      {"{\"space\":\"s\",\"text\":\"t\"", "JSON"},
      {"[1,2]", "object"},
      {R"({"space":"s"})", "text"},
      {R"({"text":"t"})", "space"},
      {R"({"space":"s","text":5})", "text"},
      {R"({"space":"s","text":"t","tags":"a"})", "tags"},
      {R"({"space":"s","text":"t","metadata":[1]})", "metadata"},
      {R"({"space":"s","text":"t","id":"nope"})", "id"},
      {R"({"space":"a/b","text":"t"})", "space"},
      {R"({"space":"s","text":"t","key":""})", "key"},
      {R"({"space":"s","text":"t","createdAt":"yesterday"})", "createdAt"},
      {R"({"space":"s","text":"t","expiresAt":12})", "expiresAt"},
      {R"({"space":"s","text":"t","embedding":"AACAPw=="})", "embedder"},
      {R"({"space":"s","text":"t","colour":"red"})", "colour"},
      {R"({"space":"s","text":"t","text":"u"})", "twice"},
      {R"({"space":"s","text":"t","metadata":{"n":1e400}})", "metadata"},
  };
  for (const auto& c : cases) {
    const Status s = DecodeStatus(c.line);
    EXPECT_FALSE(s.ok()) << c.line;
    EXPECT_NE(s.message().find(c.mentions), std::string::npos) << c.line << " -> " << s.message();
  }
}

TEST(ExportFormatTest, OversizedValuesAreRefusedUnderTheLimits) {
  ServiceOptions limits;
  limits.max_value_bytes = 8;
  auto rec = DecodeRecord(R"({"space":"s","text":"123456789"})", kHeader, limits);
  EXPECT_EQ(rec.status().code(), StatusCode::kTooLarge);
  limits = ServiceOptions{};
  limits.max_metadata_bytes = 8;
  rec = DecodeRecord(R"({"space":"s","text":"t","metadata":{"long":"12345678"}})", kHeader, limits);
  EXPECT_EQ(rec.status().code(), StatusCode::kTooLarge);
}

TEST(ExportFormatTest, UuidsAreRecognised) {
  EXPECT_TRUE(IsUuid("0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5f"));
  EXPECT_FALSE(IsUuid("0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5"));
  EXPECT_FALSE(IsUuid("0190f5e2x7c1a-7d3e-9b1f-3c2a1b0e4d5f"));
  EXPECT_FALSE(IsUuid("0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5g"));
}

}  // namespace
}  // namespace memoryd::dataio
