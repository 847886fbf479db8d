// Validation helpers: UTF-8 well-formedness, control characters, names and TTLs.
#include "service/validation.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace memoryd {
namespace {

TEST(ValidationTest, WellFormedUtf8IsValid) {
  const std::string valid[] = {
      "",
      "plain ascii",
      "\xc3\xa9",              // é, 2 bytes
      "\xe2\x82\xac",          // €, 3 bytes
      "\xf0\x9f\x99\x82",      // 🙂, 4 bytes
      "\xc2\x80",              // U+0080, smallest 2-byte
      "\xe0\xa0\x80",          // U+0800, smallest 3-byte
      "\xf0\x90\x80\x80",      // U+10000, smallest 4-byte
      "\xed\x9f\xbf",          // U+D7FF, just below the surrogates
      "\xee\x80\x80",          // U+E000, just above them
      "\xf4\x8f\xbf\xbf",      // U+10FFFF, the last code point
      std::string("a\0b", 3),  // NUL is well-formed UTF-8
  };
  for (const std::string& text : valid) {
    EXPECT_TRUE(IsValidUtf8(text)) << testing::PrintToString(text);
  }
}

TEST(ValidationTest, MalformedUtf8IsInvalid) {
  const std::string invalid[] = {
      "\xc0\xaf",                  // overlong '/'
      "\xc1\xbf",                  // overlong U+007F
      "\xe0\x80\xaf",              // overlong 3-byte
      "\xe0\x9f\xbf",              // overlong U+07FF
      "\xf0\x80\x80\xaf",          // overlong 4-byte
      "\xf0\x8f\xbf\xbf",          // overlong U+FFFF
      "\xed\xa0\x80",              // U+D800, high surrogate
      "\xed\xbf\xbf",              // U+DFFF, low surrogate
      "\xed\xa0\xbd\xed\xb8\x82",  // a CESU-8 surrogate pair
      "\xf4\x90\x80\x80",          // U+110000
      "\xf5\x80\x80\x80",          // lead byte beyond U+10FFFF
      "\xf7\xbf\xbf\xbf",          // U+1FFFFF
      "\xf8\x88\x80\x80\x80",      // 5-byte form
      "\xfc\x84\x80\x80\x80\x80",  // 6-byte form
      "\xfe",
      "\xff",
      "\x80",  // lone continuation
      "a\xbf"
      "b",
      "\xc3",          // truncated 2-byte
      "\xe2\x82",      // truncated 3-byte
      "\xf0\x9f\x99",  // truncated 4-byte
      "ok\xf0\x9f",    // truncated at the end
      "\xc3\x28",      // continuation replaced by ASCII
      "\xe2\x28\xa1",
      "\xf0\x9f\x99\x28",
  };
  for (const std::string& text : invalid) {
    EXPECT_FALSE(IsValidUtf8(text)) << testing::PrintToString(text);
  }
}

TEST(ValidationTest, HasControlCharFindsC0DelAndC1Controls) {
  for (int c = 0; c < 0x20; ++c) {
    EXPECT_TRUE(HasControlChar("x" + std::string(1, static_cast<char>(c)) + "y")) << c;
  }
  EXPECT_TRUE(HasControlChar("\x7f"));
  EXPECT_TRUE(HasControlChar("a\xc2\x80"));  // U+0080
  EXPECT_TRUE(
      HasControlChar("\xc2\x85"
                     "b"));                 // U+0085, NEXT LINE
  EXPECT_TRUE(HasControlChar("\xc2\x9f"));  // U+009F
  EXPECT_FALSE(HasControlChar(""));
  EXPECT_FALSE(HasControlChar(" ~!az09"));
  EXPECT_FALSE(HasControlChar("\xc2\xa0"));  // U+00A0, NO-BREAK SPACE
  EXPECT_FALSE(HasControlChar("\xc3\xa9\xf0\x9f\x99\x82"));
  EXPECT_FALSE(HasControlChar("\xc4\x80"));  // U+0100: 0x80 after another lead byte
}

TEST(ValidationTest, ValidateKeyNamesTheFieldItIsGiven) {
  const ServiceOptions opts;
  Status s = ValidateKey("", opts, "keys[3]");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'keys[3]'"), std::string::npos) << s.message();
  EXPECT_TRUE(ValidateKey(std::string(512, 'k'), opts).ok());
  EXPECT_EQ(ValidateKey(std::string(513, 'k'), opts).code(), StatusCode::kInvalidArgument);
}

TEST(ValidationTest, NormalizeTagsKeepsFirstOccurrencesInOrder) {
  const ServiceOptions opts;
  std::vector<std::string> tags = {"z", "a", "z", "m", "a", "z"};
  ASSERT_TRUE(NormalizeTags(tags, opts).ok());
  EXPECT_EQ(tags, (std::vector<std::string>{"z", "a", "m"}));
}

TEST(ValidationTest, NormalizeTagsLimitCountsDistinctTags) {
  ServiceOptions opts;
  opts.max_tags_per_memory = 2;
  std::vector<std::string> dupes = {"a", "b", "a", "b"};
  ASSERT_TRUE(NormalizeTags(dupes, opts).ok());
  EXPECT_EQ(dupes, (std::vector<std::string>{"a", "b"}));
  std::vector<std::string> three = {"a", "b", "c"};
  Status s = NormalizeTags(three, opts);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("at most 2"), std::string::npos) << s.message();
}

TEST(ValidationTest, ValidateTtlMinutes) {
  EXPECT_TRUE(ValidateTtlMinutes(1).ok());
  EXPECT_TRUE(ValidateTtlMinutes(0.01).ok());
  EXPECT_TRUE(ValidateTtlMinutes(100.0 * 366 * 24 * 60).ok());
  const double bad[] = {0,
                        -0.0,
                        -1,
                        std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(),
                        100.0 * 366 * 24 * 60 * 1.0001,
                        std::numeric_limits<double>::max()};
  for (double ttl : bad) {
    EXPECT_EQ(ValidateTtlMinutes(ttl).code(), StatusCode::kInvalidArgument) << ttl;
  }
}

TEST(ValidationTest, ValidateTextChecksBytesThenEncoding) {
  ServiceOptions opts;
  opts.max_value_bytes = 4;
  EXPECT_TRUE(ValidateText("abcd", opts, "value").ok());
  Status big = ValidateText("abcde", opts, "value");
  EXPECT_EQ(big.code(), StatusCode::kTooLarge);
  EXPECT_NE(big.message().find("'value'"), std::string::npos) << big.message();
  EXPECT_EQ(ValidateText("\xff", opts, "value").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoryd
