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
    : options_(std::move(options)), stemmer_(std::move(stemmer)) {}

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

std::vector<std::string> TextAnalyzer::AnalyzeDocument(std::string_view text) const {
  std::vector<std::string> terms = Filter(Tokenize(text), /*query=*/false);
  StemAll(&terms);
  return terms;
}

std::vector<std::string> TextAnalyzer::AnalyzeQuery(std::string_view text) const {
  std::vector<std::string> tokens = Tokenize(text);
  std::vector<std::string> terms = Filter(tokens, /*query=*/true);
  if (terms.empty()) terms = Filter(tokens, /*query=*/false);
  if (terms.empty()) terms = std::move(tokens);
  StemAll(&terms);
  return terms;
}

void TextAnalyzer::StemAll(std::vector<std::string>* words) const {
  if (stemmer_ != nullptr) stemmer_->StemAll(words);
}

}  // namespace memoryd::text
