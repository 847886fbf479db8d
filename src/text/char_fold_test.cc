#include "text/char_fold.h"

#include <gtest/gtest.h>

#include <string>

namespace memoryd::text {
namespace {

char32_t DecodeAll(std::string_view text, size_t* consumed) {
  size_t pos = 0;
  const char32_t cp = DecodeUtf8(text, &pos);
  *consumed = pos;
  return cp;
}

TEST(CharFoldTest, DecodesValidSequences) {
  size_t consumed = 0;
  EXPECT_EQ(DecodeAll("A", &consumed), U'A');
  EXPECT_EQ(consumed, 1u);
  EXPECT_EQ(DecodeAll("é", &consumed), U'é');
  EXPECT_EQ(consumed, 2u);
  EXPECT_EQ(DecodeAll("€", &consumed), U'€');
  EXPECT_EQ(consumed, 3u);
  EXPECT_EQ(DecodeAll("\xF0\x9F\x98\x80", &consumed), char32_t{0x1F600});
  EXPECT_EQ(consumed, 4u);
}

TEST(CharFoldTest, MalformedSequencesAdvanceOneByte) {
  for (const std::string bad : {"\x80", "\xC3", "\xC3(", "\xC0\x80", "\xED\xA0\x80",
                                "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80"}) {
    size_t consumed = 0;
    EXPECT_EQ(DecodeAll(bad, &consumed), kInvalidCodePoint) << bad;
    EXPECT_EQ(consumed, 1u);
  }
}

TEST(CharFoldTest, AppendUtf8RoundTrips) {
  for (const char32_t cp :
       {char32_t{0x41}, char32_t{0xE9}, char32_t{0x20AC}, char32_t{0x1F600}, char32_t{0x10FFFF}}) {
    std::string encoded;
    AppendUtf8(cp, &encoded);
    size_t consumed = 0;
    EXPECT_EQ(DecodeAll(encoded, &consumed), cp);
    EXPECT_EQ(consumed, encoded.size());
  }
}

TEST(CharFoldTest, FoldsCaseAndDiacritics) {
  std::string out;
  for (const char32_t cp : {U'Q', U'É', U'ß', U'Ÿ', U'Ž', U'Σ', U'Ж', U'Ё'}) AppendFolded(cp, &out);
  EXPECT_EQ(out, "qessyzσжё");
}

TEST(CharFoldTest, Classifies) {
  EXPECT_EQ(ClassifyChar(U'a'), CharClass::kWord);
  EXPECT_EQ(ClassifyChar(U'7'), CharClass::kWord);
  EXPECT_EQ(ClassifyChar(U' '), CharClass::kSeparator);
  EXPECT_EQ(ClassifyChar(0), CharClass::kSeparator);
  EXPECT_EQ(ClassifyChar(U'\u2019'), CharClass::kApostrophe);
  EXPECT_EQ(ClassifyChar(U'\u0301'), CharClass::kIgnorable);
  EXPECT_EQ(ClassifyChar(U'日'), CharClass::kIdeograph);
  EXPECT_EQ(ClassifyChar(char32_t{0x1F600}), CharClass::kSeparator);
  EXPECT_EQ(ClassifyChar(kInvalidCodePoint), CharClass::kSeparator);
}

}  // namespace
}  // namespace memoryd::text
