#include "text/analyzer.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(analysis.terms, (Terms{"went", "lgbtq", "support", "group", "yesterday"}));
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

TEST(AnalyzerTest, AddsTopicsForWordsAndWhenQuestions) {
  auto analyzer = MakeAnalyzer();
  const Analysis document = analyzer->AnalyzeDocument("My son loves his puppy");
  EXPECT_NE(std::find(document.concepts.begin(), document.concepts.end(), "#family"),
            document.concepts.end());
  EXPECT_NE(std::find(document.concepts.begin(), document.concepts.end(), "#pet"),
            document.concepts.end());
  const Analysis query = analyzer->AnalyzeQuery("When did Caroline move?");
  EXPECT_NE(std::find(query.concepts.begin(), query.concepts.end(), "#temporal"),
            query.concepts.end());
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
  EXPECT_FALSE(TextAnalyzer::Create({"klingon", true, true}).ok());
}

TEST(ConceptLexiconTest, LooksUpStems) {
  auto stemmer = Stemmer::Create("english");
  ASSERT_TRUE(stemmer.ok());
  const ConceptLexicon lexicon(stemmer->get());
  EXPECT_GT(lexicon.TopicCount(), 30u);
  std::vector<std::string> out;
  lexicon.AppendConcepts((*stemmer)->Stem("children"), &out);
  EXPECT_EQ(out, (Terms{"#family"}));
  out.clear();
  lexicon.AppendConcepts("zyzzyva", &out);
  EXPECT_TRUE(out.empty());
  lexicon.AppendQuestionConcepts("where", &out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace memoryd::text
