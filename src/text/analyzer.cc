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
      lexicon_(options_.concepts ? std::make_unique<ConceptLexicon>(stemmer_.get()) : nullptr) {}

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

std::vector<std::string> TextAnalyzer::ConceptsOf(const std::vector<std::string>& terms) const {
  std::vector<std::string> concepts;
  if (lexicon_ == nullptr) return concepts;
  for (const std::string& term : terms) lexicon_->AppendConcepts(term, &concepts);
  return concepts;
}

Analysis TextAnalyzer::AnalyzeDocument(std::string_view text) const {
  Analysis analysis;
  analysis.terms = Filter(Tokenize(text), /*query=*/false);
  StemAll(&analysis.terms);
  analysis.concepts = ConceptsOf(analysis.terms);
  return analysis;
}

Analysis TextAnalyzer::AnalyzeQuery(std::string_view text) const {
  std::vector<std::string> tokens = Tokenize(text);
  Analysis analysis;
  analysis.terms = Filter(tokens, /*query=*/true);
  if (analysis.terms.empty()) analysis.terms = Filter(tokens, /*query=*/false);
  if (analysis.terms.empty()) analysis.terms = tokens;
  StemAll(&analysis.terms);
  analysis.concepts = ConceptsOf(analysis.terms);
  if (lexicon_ != nullptr) {
    for (const std::string& token : tokens)
      lexicon_->AppendQuestionConcepts(token, &analysis.concepts);
  }
  return analysis;
}

void TextAnalyzer::StemAll(std::vector<std::string>* words) const {
  if (stemmer_ != nullptr) stemmer_->StemAll(words);
}

std::string TextAnalyzer::Fingerprint() const {
  return "analysis " + std::to_string(kAnalysisVersion) + " stemmer=" + options_.stemmer_language +
         " stopwords=" + (options_.remove_stopwords ? "1" : "0") +
         " concepts=" + (options_.concepts ? "1" : "0");
}

}  // namespace memoryd::text
