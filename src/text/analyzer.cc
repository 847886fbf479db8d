#include "text/analyzer.h"

#include <utility>

#include "text/stopwords.h"
#include "text/tokenizer.h"

namespace memoryd::text {
namespace {

// Stray letters come from initials and split contractions ("e.g.", "don t"); they match noise.
bool IsSingleAsciiLetter(std::string_view token) {
  return token.size() == 1 && token[0] >= 'a' && token[0] <= 'z';
}

}  // namespace

Result<std::shared_ptr<const TextAnalyzer>> TextAnalyzer::Create(AnalyzerOptions options) {
  std::unique_ptr<Stemmer> stemmer;
  if (!options.stemmer_language.empty()) {
    MEMORYD_ASSIGN_OR_RETURN(stemmer, Stemmer::Create(options.stemmer_language));
  }
  return std::shared_ptr<const TextAnalyzer>(
      std::make_shared<TextAnalyzer>(std::move(options), std::move(stemmer)));
}

TextAnalyzer::TextAnalyzer(AnalyzerOptions options, std::unique_ptr<Stemmer> stemmer)
    : options_(std::move(options)),
      stemmer_(std::move(stemmer)),
      expander_(options_.concepts
                    ? std::make_unique<ConceptExpander>(Lexicon::BuiltIn(), options_.semantic)
                    : nullptr) {}

std::vector<std::string> TextAnalyzer::Filter(const std::vector<std::string>& tokens,
                                              bool query) const {
  std::vector<std::string> kept;
  kept.reserve(tokens.size());
  for (const std::string& token : tokens) {
    if (options_.remove_stopwords) {
      if (IsSingleAsciiLetter(token)) continue;
      if (query ? IsQueryStopword(token) : IsStopword(token)) continue;
    }
    kept.push_back(token);
  }
  return kept;
}

void TextAnalyzer::AddConcepts(const std::vector<std::string>& words, bool query,
                               Analysis* analysis) const {
  if (expander_ == nullptr) return;
  for (const ConceptHit& hit : expander_->Expand(words, query)) {
    analysis->concepts.push_back(ConceptExpander::TermOf(hit.concept_id));
    if (query) {
      analysis->concept_weights.push_back(hit.weight);
      analysis->concept_sources.push_back(hit.word);
    }
  }
}

std::vector<std::string> TextAnalyzer::Words(std::string_view text, bool query) const {
  std::vector<std::string> tokens = Tokenize(text);
  if (!query) return Filter(tokens, /*query=*/false);
  std::vector<std::string> words = Filter(tokens, /*query=*/true);
  if (words.empty()) words = Filter(tokens, /*query=*/false);
  if (words.empty()) words = std::move(tokens);
  return words;
}

// A document's irregular forms also stand for their lemma ("lent" for "lend", "mice" for
// "mouse"), which the stemmer cannot know, so a question in the base form ("did I lend") finds
// them. Documents only: a query word must count once. The lemmas go after the words.
void TextAnalyzer::AddIrregularBases(std::vector<std::string>* terms) const {
  if (expander_ == nullptr) return;
  std::vector<std::string> bases;
  const size_t words = terms->size();
  for (size_t i = 0; i < words; ++i) {
    if (IsStopword((*terms)[i])) continue;  // a query of stopwords only keeps them as they are
    bases.clear();
    expander_->lexicon().IrregularBases((*terms)[i], &bases);
    for (std::string& base : bases) {
      if (base.find(' ') == std::string::npos && !IsStopword(base)) {
        terms->push_back(std::move(base));
      }
    }
  }
}

Analysis TextAnalyzer::AnalyzeDocument(std::string_view text) const {
  Analysis analysis;
  analysis.terms = Words(text, /*query=*/false);
  AddConcepts(analysis.terms, /*query=*/false, &analysis);
  AddIrregularBases(&analysis.terms);
  StemAll(&analysis.terms);
  return analysis;
}

Analysis TextAnalyzer::AnalyzeQuery(std::string_view text) const {
  Analysis analysis;
  analysis.terms = Words(text, /*query=*/true);
  AddConcepts(analysis.terms, /*query=*/true, &analysis);
  StemAll(&analysis.terms);
  return analysis;
}

void TextAnalyzer::StemAll(std::vector<std::string>* words) const {
  if (stemmer_ != nullptr) stemmer_->StemAll(words);
}

std::string TextAnalyzer::Fingerprint() const {
  return "analysis " + std::to_string(kAnalysisVersion) + " stemmer=" + options_.stemmer_language +
         " stopwords=" + (options_.remove_stopwords ? "1" : "0") +
         " concepts=" + (expander_ != nullptr ? expander_->Fingerprint() : "0");
}

}  // namespace memoryd::text
