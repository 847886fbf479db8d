#include "search/explain.h"

#include <gtest/gtest.h>

#include <memory>

namespace memoryd {
namespace {

std::shared_ptr<const text::TextAnalyzer> Analyzer() {
  auto analyzer = text::TextAnalyzer::Create();
  EXPECT_TRUE(analyzer.ok());
  return *analyzer;
}

TEST(ExplainTest, NamesSharedWordsAndTheConceptsLinkingOtherWords) {
  Explanation e;
  ExplainMatch(*Analyzer(), "Which car did we take to France?",
               "We drove the new sedan to Lyon and took the ferry back", &e);
  ASSERT_EQ(e.terms.size(), 1u);  // "take" and "took" share the lemma "take"
  EXPECT_EQ(e.terms[0].query_word, "take");
  EXPECT_EQ(e.terms[0].memory_word, "took");
  bool car = false, france = false;
  for (const MatchedConcept& c : e.concepts) {
    if (c.query_word == "car" && c.memory_word == "sedan") {
      car = true;
      EXPECT_EQ(c.concept_name, "car");
      EXPECT_EQ(c.query_link, "synonym");
      EXPECT_EQ(c.memory_link, "broader");
    }
    if (c.query_word == "france" && c.memory_word == "lyon") {
      france = true;
      EXPECT_EQ(c.memory_link, "part-of");
    }
    EXPECT_GT(c.weight, 0.0f);
    EXPECT_LE(c.weight, 1.0f);
  }
  EXPECT_TRUE(car);
  EXPECT_TRUE(france);
}

TEST(ExplainTest, UnrelatedTextsShareNothing) {
  Explanation e;
  ExplainMatch(*Analyzer(), "photosynthesis", "The quarterly budget review moved", &e);
  EXPECT_TRUE(e.terms.empty());
  EXPECT_TRUE(e.concepts.empty());
}

TEST(ExplainTest, AWordThatMatchesItselfListsNoConcepts) {
  Explanation e;
  ExplainMatch(*Analyzer(), "my father", "my father and my dad", &e);
  ASSERT_EQ(e.terms.size(), 1u);
  EXPECT_TRUE(e.concepts.empty());
}

}  // namespace
}  // namespace memoryd
