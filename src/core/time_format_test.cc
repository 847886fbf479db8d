#include "core/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace memoryd {
namespace {

TEST(TimeFormatTest, FormatsKnownInstants) {
  EXPECT_EQ(FormatIsoMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatIsoMillis(951'782'400'000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeFormatTest, RoundTrips) {
  const int64_t instants[] = {
      0,
      1,
      999,
      -1,
      1'700'000'000'123,
      1'709'208'000'000,  // 2024-02-29T12:00:00Z, a leap day
      1'778'500'800'000,
      253'402'300'799'999,  // 9999-12-31T23:59:59.999Z, the last four-digit year
  };
  for (int64_t millis : instants) {
    const std::string text = FormatIsoMillis(millis);
    const auto parsed = ParseIsoMillis(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, millis) << text;
  }
}

TEST(TimeFormatTest, ParsesAcceptedVariants) {
  EXPECT_EQ(ParseIsoMillis("2026-05-11"), ParseIsoMillis("2026-05-11T00:00:00.000Z"));
  EXPECT_EQ(ParseIsoMillis("2026-05-11T12:00:00Z"), ParseIsoMillis("2026-05-11T12:00:00.000Z"));
  EXPECT_EQ(ParseIsoMillis("2026-05-11 12:00:00Z"), ParseIsoMillis("2026-05-11T12:00:00.000Z"));
  EXPECT_EQ(ParseIsoMillis("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(ParseIsoMillis("1970-01-01T00:00:00.05Z"), 50);
  // Digits past milliseconds are accepted and truncated.
  EXPECT_EQ(ParseIsoMillis("1970-01-01T00:00:00.123987Z"), 123);
  EXPECT_EQ(ParseIsoMillis("1970-01-02"), 86'400'000);
}

TEST(TimeFormatTest, RejectsGarbage) {
  const char* bad[] = {
      "",
      "garbage",
      "2026",
      "2026-5-11",
      "2026/05/11",
      "2026-05-11x",
      "2026-13-01",
      "2026-00-10",
      "2026-02-30",
      "2025-02-29",
      "2026-05-11T12:00:00",
      "2026-05-11T12:00Z",
      "2026-05-11T24:00:00Z",
      "2026-05-11T12:60:00Z",
      "2026-05-11T12:00:61Z",
      "2026-05-11T12:00:00.Z",
      "2026-05-11T12:00:00.123",
      "2026-05-11T12:00:00Zjunk",
      "2026-05-11T12:00:00+01:00",
      "2026-05-11X12:00:00Z",
      "2026-05-11T1a:00:00Z",
      "+026-05-11",
      " 2026-05-11",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParseIsoMillis(text).has_value()) << "accepted: '" << text << "'";
  }
}

}  // namespace
}  // namespace memoryd
