#include "text/lexicon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "text/semantic.h"

namespace memoryd::text {
namespace {

std::vector<ConceptLink> LinksOf(std::string_view word) {
  std::vector<ConceptLink> links;
  Lexicon::BuiltIn().Lookup(word, &links);
  return links;
}

// The strongest link to a concept named `name`, if any.
std::optional<ConceptLink> Reaches(const std::vector<ConceptLink>& links, std::string_view name) {
  std::optional<ConceptLink> best;
  for (const ConceptLink& link : links) {
    if (Lexicon::BuiltIn().ConceptName(link.concept_id) != name) continue;
    if (!best || best->weight < link.weight) best = link;
  }
  return best;
}

TEST(LexiconTest, BuiltInTableIsWordNet) {
  const Lexicon& lexicon = Lexicon::BuiltIn();
  EXPECT_GT(lexicon.ConceptCount(), 50000u);
  EXPECT_GT(lexicon.SizeBytes(), 1000000u);
  EXPECT_TRUE(LinksOf("zyzzyvaqq").empty());
  EXPECT_TRUE(LinksOf("").empty());
}

TEST(LexiconTest, ReachesSynonymsBroaderTermsWholesAndRelatedForms) {
  struct Case {
    std::string_view word;
    std::string_view concept_name;
    LinkKind kind;
  };
  const Case cases[] = {
      {"automobile", "car", LinkKind::kSynonym},
      {"sedan", "car", LinkKind::kBroader},
      {"violin", "musical instrument", LinkKind::kBroader},
      {"lyon", "france", LinkKind::kPartOf},
      {"osaka", "japan", LinkKind::kPartOf},
      {"dad", "father", LinkKind::kBroader},
      {"pay", "payment", LinkKind::kDerived},
      {"physician", "doctor", LinkKind::kSynonym},
  };
  for (const Case& c : cases) {
    const std::optional<ConceptLink> link = Reaches(LinksOf(c.word), c.concept_name);
    ASSERT_TRUE(link.has_value()) << c.word << " -> " << c.concept_name;
    EXPECT_EQ(link->kind, c.kind) << c.word;
    EXPECT_GT(link->weight, 0.0f);
    EXPECT_LE(link->weight, 1.0f);
  }
}

TEST(LexiconTest, InflectionsReachOnlyTheirPartsOfSpeech) {
  // "books" may be the noun or the verb; "booked" only the verb (reserve), never a publication.
  EXPECT_TRUE(Reaches(LinksOf("books"), "book").has_value());
  const std::vector<ConceptLink> booked = LinksOf("booked");
  EXPECT_TRUE(Reaches(booked, "reserve").has_value());
  for (const ConceptLink& link : booked) {
    EXPECT_NE(Lexicon::BuiltIn().ConceptName(link.concept_id), "publication");
  }
  EXPECT_TRUE(Reaches(LinksOf("children"), "child").has_value());  // an irregular plural
  EXPECT_TRUE(Reaches(LinksOf("ran"), "run").has_value());         // an irregular past
}

TEST(LexiconTest, AnAmbiguousWordSpreadsItsWeight) {
  const std::optional<ConceptLink> cello = Reaches(LinksOf("cello"), "cello");
  ASSERT_TRUE(cello.has_value());
  EXPECT_FLOAT_EQ(cello->weight, 1.0f);  // one sense
  float strongest = 0;
  for (const ConceptLink& link : LinksOf("run")) strongest = std::max(strongest, link.weight);
  EXPECT_LT(strongest, 0.8f);  // dozens of senses
}

TEST(LexiconTest, PhrasesAreTwoWordLemmas) {
  std::vector<ConceptLink> links;
  Lexicon::BuiltIn().LookupPhrase("ice", "cream", &links);
  EXPECT_TRUE(Reaches(links, "ice cream").has_value());
  links.clear();
  Lexicon::BuiltIn().LookupPhrase("purple", "cream", &links);
  EXPECT_TRUE(links.empty());
}

TEST(LexiconTest, RejectsBytesThatAreNoTable) {
  const std::vector<uint8_t> junk(64, 0xAB);
  EXPECT_FALSE(Lexicon::FromBytes(junk).ok());
  EXPECT_FALSE(Lexicon::FromBytes({}).ok());
}

TEST(SemanticTest, ConceptTermsRoundTripAndLinkKindsParse) {
  EXPECT_EQ(ConceptExpander::TermOf(42), "#42");
  EXPECT_EQ(ConceptExpander::ConceptOfTerm("#42"), 42u);
  EXPECT_FALSE(ConceptExpander::ConceptOfTerm("42").has_value());
  EXPECT_FALSE(ConceptExpander::ConceptOfTerm("#4x").has_value());
  EXPECT_EQ(ParseLinkKinds("synonym,part-of"), 0b101u);
  EXPECT_EQ(ParseLinkKinds("all"), 0b111111u);
  EXPECT_EQ(ParseLinkKinds("definition"), 0b100000u);
  EXPECT_EQ(ParseLinkKinds("none"), 0u);
  EXPECT_EQ(ParseLinkKinds("default"), kDefaultLinks);
  EXPECT_EQ(ParseLinkKinds("synonym,broader,part-of,derived"), kDefaultLinks);
  EXPECT_FALSE(ParseLinkKinds("cousin").has_value());
}

TEST(SemanticTest, DocumentsKeepStrongLinksAndQueriesWeighThem) {
  const ConceptExpander expander(Lexicon::BuiltIn(), SemanticOptions{});
  const std::vector<std::string> words = {"run"};
  const auto document = expander.Expand(words, /*query=*/false);
  const auto query = expander.Expand(words, /*query=*/true);
  EXPECT_LT(document.size(), query.size());
  for (const ConceptHit& hit : document) EXPECT_GE(hit.weight, 0.25f);
  SemanticOptions synonyms_only;
  synonyms_only.links = 1u << static_cast<int>(LinkKind::kSynonym);
  const ConceptExpander narrow(Lexicon::BuiltIn(), synonyms_only);
  for (const ConceptHit& hit : narrow.Expand({"sedan"}, true)) {
    EXPECT_EQ(hit.kind, LinkKind::kSynonym);
  }
}

}  // namespace
}  // namespace memoryd::text
