#include "core/ascii.h"

#include <gtest/gtest.h>

namespace memoryd {
namespace {

TEST(AsciiTest, LowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-TYPE: A/b"), "content-type: a/b");
  EXPECT_EQ(AsciiLower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9") << "UTF-8 bytes stay as they are";
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(AsciiTest, TrimDropsSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(TrimAsciiBlanks(" \t chunked\t "), "chunked");
  EXPECT_EQ(TrimAsciiBlanks("a b"), "a b");
  EXPECT_EQ(TrimAsciiBlanks(" \t "), "");
  EXPECT_EQ(TrimAsciiBlanks("\nx\n"), "\nx\n") << "only blanks, not line breaks";
}

TEST(AsciiTest, StartsWithIgnoresCase) {
  EXPECT_TRUE(StartsWithNoCase("HTTPS://example", "https://"));
  EXPECT_TRUE(StartsWithNoCase("http", ""));
  EXPECT_FALSE(StartsWithNoCase("htt", "http"));
  EXPECT_FALSE(StartsWithNoCase("ftp://x", "http"));
}

TEST(AsciiTest, SplitCommaListTrimsAndDropsEmptyItems) {
  EXPECT_EQ(SplitCommaList(" a, b ,,c,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitCommaList("").empty());
  EXPECT_TRUE(SplitCommaList(" , ,").empty());
  EXPECT_EQ(SplitCommaList("one"), (std::vector<std::string>{"one"}));
}

}  // namespace
}  // namespace memoryd
