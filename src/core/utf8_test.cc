#include "core/utf8.h"

#include <gtest/gtest.h>

namespace memoryd {
namespace {

TEST(Utf8Test, WellFormedTextIsKept) {
  EXPECT_EQ(ToValidUtf8("plain"), "plain");
  EXPECT_EQ(ToValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_TRUE(IsWellFormedUtf8(""));
}

TEST(Utf8Test, IllFormedBytesBecomeReplacementCharacters) {
  EXPECT_EQ(ToValidUtf8("/x\xFF"), "/x\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // stray continuations
  EXPECT_EQ(ToValidUtf8("a\xC3"), "a\xEF\xBF\xBD");                // truncated
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_FALSE(IsWellFormedUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_TRUE(IsWellFormedUtf8(ToValidUtf8("\xF4\x90\x80\x80 ok")));
}

}  // namespace
}  // namespace memoryd
