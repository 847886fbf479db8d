#include "text/case_fold.h"

#include <gtest/gtest.h>

namespace memoryd::text {
namespace {

TEST(CaseFoldTest, LowercasesAsciiAndKeepsEverythingElse) {
  EXPECT_EQ(FoldForMatch("Dark MODE, 42!"), "dark mode, 42!");
  EXPECT_EQ(FoldForMatch(""), "");
}

TEST(CaseFoldTest, LowercasesAccentedLettersWithoutStrippingAccents) {
  EXPECT_EQ(FoldForMatch("ÉCOLE"), "école");
  EXPECT_EQ(FoldForMatch("Ωmega ΣΑΣ"), "ωmega σασ");
  EXPECT_EQ(FoldForMatch("ПРИВЕТ Ёж"), "привет ёж");
  EXPECT_EQ(FoldForMatch("ŁÓDŹ Ÿ"), "łódź ÿ");
  EXPECT_NE(FoldForMatch("éé"), "ee");
}

TEST(CaseFoldTest, KeepsTheMultiplicationSignAndMalformedBytes) {
  EXPECT_EQ(FoldForMatch("2×3"), "2×3");
  const std::string broken = std::string("A\xC3") + "B\xFF";
  EXPECT_EQ(FoldForMatch(broken), std::string("a\xC3") + "b\xFF");
}

}  // namespace
}  // namespace memoryd::text
