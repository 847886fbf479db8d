#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memoryd::text {
namespace {

using Tokens = std::vector<std::string>;

TEST(TokenizerTest, EmptyAndSeparatorOnlyInputsGiveNoTokens) {
  EXPECT_TRUE(Tokenize("").empty());
  EXPECT_TRUE(Tokenize("   \t\n").empty());
  EXPECT_TRUE(Tokenize("!?.,;:--()[]{}").empty());
  EXPECT_TRUE(Tokenize("\xF0\x9F\x98\x80 \xE2\x9C\xA8").empty());  // emoji only
}

TEST(TokenizerTest, SplitsOnNonAlphanumericsAndLowercases) {
  EXPECT_EQ(Tokenize("Hello, World! self-care"), (Tokens{"hello", "world", "self", "care"}));
  EXPECT_EQ(Tokenize("LGBTQ+ support_group"), (Tokens{"lgbtq", "support", "group"}));
}

TEST(TokenizerTest, FoldsLatinLettersAndDiacritics) {
  EXPECT_EQ(Tokenize("Café CRÈME brûlée"), (Tokens{"cafe", "creme", "brulee"}));
  EXPECT_EQ(Tokenize("Straße Œuvre Łódź Ærø"), (Tokens{"strasse", "oeuvre", "lodz", "aero"}));
  // A decomposed accent (e + combining acute) folds like the precomposed letter.
  EXPECT_EQ(Tokenize("Cafe\xCC\x81"), (Tokens{"cafe"}));
}

TEST(TokenizerTest, LowercasesGreekAndCyrillicAndKeepsOtherScripts) {
  EXPECT_EQ(Tokenize("ΑΘΗΝΑ Москва"), (Tokens{"αθηνα", "москва"}));
  EXPECT_EQ(Tokenize("مرحبا"), (Tokens{"مرحبا"}));
}

TEST(TokenizerTest, IdeographsAreTokensOnTheirOwn) {
  EXPECT_EQ(Tokenize("東京abc"), (Tokens{"東", "京", "abc"}));
}

TEST(TokenizerTest, KeepsNumbers) {
  EXPECT_EQ(Tokenize("in 2023, 3.5 km and 1,000 people"),
            (Tokens{"in", "2023", "3.5", "km", "and", "1000", "people"}));
  EXPECT_EQ(Tokenize("ends with 42."), (Tokens{"ends", "with", "42"}));
  EXPECT_EQ(Tokenize("covid19 mp3"), (Tokens{"covid19", "mp3"}));
}

TEST(TokenizerTest, HandlesApostrophesAndPossessives) {
  EXPECT_EQ(Tokenize("Caroline's dog"), (Tokens{"caroline", "dog"}));
  EXPECT_EQ(Tokenize("Caroline\xE2\x80\x99s dog"), (Tokens{"caroline", "dog"}));  // ’s
  EXPECT_EQ(Tokenize("don't it's O'Brien"), (Tokens{"dont", "it", "obrien"}));
  EXPECT_EQ(Tokenize("the students' 'quoted' words"),
            (Tokens{"the", "students", "quoted", "words"}));
  EXPECT_EQ(Tokenize("James's sister"), (Tokens{"james", "sister"}));
  EXPECT_EQ(Tokenize("'s"), (Tokens{"s"}));
}

TEST(TokenizerTest, NulBytesAndMalformedUtf8Separate) {
  const std::string with_nul("one\0two", 7);
  EXPECT_EQ(Tokenize(with_nul), (Tokens{"one", "two"}));
  EXPECT_EQ(Tokenize("ab\xFF\xFE"
                     "cd"),
            (Tokens{"ab", "cd"}));
  EXPECT_EQ(Tokenize("ab\xC3"), (Tokens{"ab"}));              // truncated sequence at the end
  EXPECT_EQ(Tokenize("x\xC0\xAFy"), (Tokens{"x", "y"}));      // overlong '/'
  EXPECT_EQ(Tokenize("x\xED\xA0\x80y"), (Tokens{"x", "y"}));  // surrogate
}

TEST(TokenizerTest, CutsOverlongTokensOnCodePointBoundaries) {
  const Tokens ascii = Tokenize(std::string(1000, 'a') + " tail");
  ASSERT_EQ(ascii.size(), 2u);
  EXPECT_EQ(ascii[0], std::string(kMaxTokenBytes, 'a'));
  EXPECT_EQ(ascii[1], "tail");

  std::string cyrillic;
  for (int i = 0; i < 100; ++i) cyrillic += "ж";  // two bytes each
  const Tokens cut = Tokenize("a" + cyrillic);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_LE(cut[0].size(), kMaxTokenBytes);
  EXPECT_EQ(cut[0].size() % 2, 1u);  // "a" plus whole two-byte letters
}

TEST(TokenizerTest, VeryLongInput) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "word" + std::to_string(i % 10) + " ";
  const Tokens tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 100000u);
  EXPECT_EQ(tokens.front(), "word0");
  EXPECT_EQ(tokens.back(), "word9");
}

}  // namespace
}  // namespace memoryd::text
