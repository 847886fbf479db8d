// TextAnalyzer: turns text into the terms that the keyword index stores and searches.
//
// Pipeline: Tokenize (folding, numbers, apostrophes; see tokenizer.h) -> drop stopwords and
// single ASCII letters -> Snowball stem. Queries additionally drop question scaffolding
// ("what kind of", "tell me about"; see stopwords.h). When that would leave a query with no terms
// at all ("who is she?"), the query falls back to its stemmed tokens so it still matches.
// Alongside the terms, the analysis lists the topic pseudo-terms of the concept lexicon
// (concepts.h) implied by the terms and, for queries, by the question word ("when").
//
// Thread-safety: all methods are const and safe to call concurrently; one analyzer is meant to be
// shared by every index (hold it in a shared_ptr<const TextAnalyzer>).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "text/concepts.h"
#include "text/stemmer.h"

namespace memoryd::text {

struct AnalyzerOptions {
  // Snowball algorithm used for stemming; empty disables stemming.
  std::string stemmer_language = "english";
  // Drop function words (and, for queries, question scaffolding).
  bool remove_stopwords = true;
  // Derive topic pseudo-terms from the built-in concept lexicon.
  bool concepts = true;
};

struct Analysis {
  std::vector<std::string> terms;     // stemmed words in text order, repeats kept
  std::vector<std::string> concepts;  // "#topic" pseudo-terms, one per implying word
};

class TextAnalyzer {
 public:
  // Returns kInvalidArgument when the stemmer language is unknown.
  static Result<std::shared_ptr<const TextAnalyzer>> Create(AnalyzerOptions options = {});

  // Prefer Create(). `stemmer` may be null exactly when stemming is disabled.
  TextAnalyzer(AnalyzerOptions options, std::unique_ptr<Stemmer> stemmer);

  // Analysis of a stored document. Never fails; may be empty.
  Analysis AnalyzeDocument(std::string_view text) const;
  // Analysis of a search query. Never fails; its terms are empty only when the query has no
  // letters or digits at all.
  Analysis AnalyzeQuery(std::string_view text) const;

  // Stems in place (no-op when stemming is disabled).
  void StemAll(std::vector<std::string>* words) const;

  // Names the analysis this analyzer performs: its options and kAnalysisVersion. A keyword index
  // saved under another fingerprint must be rebuilt from the text. Never fails.
  std::string Fingerprint() const;
  // Bump whenever a change to tokenising, stopwords, stemming or the concept lexicon changes the
  // terms of some text.
  static constexpr int kAnalysisVersion = 1;

 private:
  std::vector<std::string> Filter(const std::vector<std::string>& tokens, bool query) const;
  std::vector<std::string> ConceptsOf(const std::vector<std::string>& terms) const;

  const AnalyzerOptions options_;
  const std::unique_ptr<Stemmer> stemmer_;
  const std::unique_ptr<ConceptLexicon> lexicon_;  // null when concepts are disabled
};

}  // namespace memoryd::text
