#include "text/lexicon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
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

// A damaged or cut table is refused or read within its bounds (the sanitizer builds check the
// second); it never reads past its end.
TEST(LexiconTest, ReadsADamagedTableWithinItsBounds) {
  const Lexicon& real = Lexicon::BuiltIn();
  std::vector<uint8_t> bytes(real.SizeBytes());
  // The built-in table's bytes, through its public reader: copy them from a lookup-free path.
  ASSERT_TRUE(Lexicon::FromBytes(
                  std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(real.RawBytes().data()),
                                           real.RawBytes().size()))
                  .ok());
  std::memcpy(bytes.data(), real.RawBytes().data(), bytes.size());
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < 20000; ++i) {  // scatter damage over everything after the header
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    bytes[sizeof(LexiconHeader) + (state >> 33) % (bytes.size() - sizeof(LexiconHeader))] ^=
        static_cast<uint8_t>(state >> 24);
  }
  const std::vector<std::string> words = {"car", "books",  "booked",  "children", "ran", "lyon",
                                          "ice", "violin", "zyzzyva", "the",      "a",   "run"};
  for (const size_t size : {bytes.size(), bytes.size() / 2, sizeof(LexiconHeader) + 1}) {
    auto table = Lexicon::FromBytes(std::span<const uint8_t>(bytes.data(), size));
    if (!table.ok()) continue;
    std::vector<ConceptLink> links;
    std::vector<std::string> bases;
    for (const std::string& word : words) {
      table->Lookup(word, &links);
      table->LookupPhrase(word, "cream", &links);
      table->IrregularBases(word, &bases);
    }
    for (const ConceptLink& link : links) (void)table->ConceptName(link.concept_id);
  }
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
  ASSERT_FALSE(document.empty());
  EXPECT_LT(document.size(), query.size());
  for (const ConceptHit& hit : document) EXPECT_GE(hit.weight, 0.25f);
  SemanticOptions synonyms_only;
  synonyms_only.links = 1u << static_cast<int>(LinkKind::kSynonym);
  const ConceptExpander narrow(Lexicon::BuiltIn(), synonyms_only);
  const auto sedan = narrow.Expand({"sedan"}, true);
  ASSERT_FALSE(sedan.empty());
  for (const ConceptHit& hit : sedan) EXPECT_EQ(hit.kind, LinkKind::kSynonym);
}

}  // namespace
}  // namespace memoryd::text
