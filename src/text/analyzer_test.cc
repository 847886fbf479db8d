#include "text/analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "text/stopwords.h"

namespace memoryd::text {
namespace {

using Terms = std::vector<std::string>;

std::shared_ptr<const TextAnalyzer> MakeAnalyzer(AnalyzerOptions options = {}) {
  auto analyzer = TextAnalyzer::Create(std::move(options));
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  return *analyzer;
}

TEST(StopwordsTest, KnowsFunctionWordsAndQuestionScaffolding) {
  EXPECT_TRUE(IsStopword("the"));
  EXPECT_TRUE(IsStopword("dont"));
  EXPECT_FALSE(IsStopword("painting"));
  EXPECT_FALSE(IsStopword("may"));  // also a month
  EXPECT_FALSE(IsStopword("kind"));
  EXPECT_TRUE(IsQueryStopword("kind"));
  EXPECT_TRUE(IsQueryStopword("the"));
}

TEST(AnalyzerTest, DocumentsDropStopwordsAndStem) {
  auto analyzer = MakeAnalyzer();
  const Analysis analysis = analyzer->AnalyzeDocument("I went to a LGBTQ support group yesterday!");
  // An irregular form also stands for its lemma, after the words.
  EXPECT_EQ(analysis.terms, (Terms{"went", "lgbtq", "support", "group", "yesterday", "go"}));
  EXPECT_EQ(analyzer->AnalyzeDocument("I lent him my bike").terms, (Terms{"lent", "bike", "lend"}));
}

TEST(AnalyzerTest, QueriesDropScaffoldingButNeverEndEmpty) {
  auto analyzer = MakeAnalyzer();
  EXPECT_EQ(analyzer->AnalyzeQuery("What kind of paintings did Melanie make?").terms,
            (Terms{"paint", "melani", "make"}));
  // Only stopwords: falls back to stemmed tokens.
  EXPECT_EQ(analyzer->AnalyzeQuery("Who is she?").terms, (Terms{"who", "is", "she"}));
  EXPECT_TRUE(analyzer->AnalyzeQuery("?!").terms.empty());
  EXPECT_TRUE(analyzer->AnalyzeQuery("").terms.empty());
}

TEST(AnalyzerTest, DocumentsAndQueriesShareConcepts) {
  auto analyzer = MakeAnalyzer();
  const Analysis document = analyzer->AnalyzeDocument("We drove the sedan to Lyon");
  const Analysis query = analyzer->AnalyzeQuery("Which car did we take to France?");
  ASSERT_EQ(query.concepts.size(), query.concept_weights.size());
  EXPECT_TRUE(document.concept_weights.empty());  // documents carry no weights
  size_t shared = 0;
  for (const std::string& concept_term : query.concepts) {
    shared += std::count(document.concepts.begin(), document.concepts.end(), concept_term) > 0;
  }
  EXPECT_GE(shared, 2u);  // car (sedan's broader term) and France (Lyon's whole)
  for (const float weight : query.concept_weights) {
    EXPECT_GT(weight, 0.0f);
    EXPECT_LE(weight, 1.0f);
  }
}

TEST(AnalyzerTest, OptionsSwitchStagesOff) {
  AnalyzerOptions options;
  options.stemmer_language = "";
  options.remove_stopwords = false;
  options.concepts = false;
  auto analyzer = MakeAnalyzer(options);
  const Analysis analysis = analyzer->AnalyzeDocument("The dogs are running");
  EXPECT_EQ(analysis.terms, (Terms{"the", "dogs", "are", "running"}));
  EXPECT_TRUE(analysis.concepts.empty());
  AnalyzerOptions klingon;
  klingon.stemmer_language = "klingon";
  EXPECT_FALSE(TextAnalyzer::Create(klingon).ok());
}

}  // namespace
}  // namespace memoryd::text
