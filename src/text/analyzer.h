// TextAnalyzer: turns text into the terms that the keyword index stores and searches.
//
// Pipeline: Tokenize (folding, numbers, apostrophes; see tokenizer.h) -> drop stopwords and
// single ASCII letters -> Snowball stem; a document's irregular forms also add their lemma's stem
// ("lent" -> "lend"). Queries additionally drop question scaffolding
// ("what kind of", "tell me about"; see stopwords.h). When that would leave a query with no terms
// at all ("who is she?"), the query falls back to its stemmed tokens so it still matches.
// Alongside the terms, the analysis lists the WordNet concept pseudo-terms the words reach
// (semantic.h): for documents the strong ones, for queries every one with its link weight.
//
// Thread-safety: all methods are const and safe to call concurrently; one analyzer is meant to be
// shared by every index (hold it in a shared_ptr<const TextAnalyzer>).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "text/semantic.h"
#include "text/stemmer.h"

namespace memoryd::text {

struct AnalyzerOptions {
  // Snowball algorithm used for stemming; empty disables stemming.
  std::string stemmer_language = "english";
  // Drop function words (and, for queries, question scaffolding).
  bool remove_stopwords = true;
  // Derive concept pseudo-terms from the built-in WordNet lexicon.
  bool concepts = true;
  SemanticOptions semantic;
};

struct Analysis {
  std::vector<std::string> terms;     // stemmed words in text order, repeats kept
  std::vector<std::string> concepts;  // "#<id>" pseudo-terms, one per reaching word
  // Queries only: the link weight of each entry of `concepts`, in (0, 1], and the index in
  // `terms` of the word that reaches it.
  std::vector<float> concept_weights;
  std::vector<uint32_t> concept_sources;
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

  // The unstemmed words of a query or document that analysis keeps (stopwords and, for queries,
  // scaffolding dropped), in text order: what terms and concepts are derived from.
  std::vector<std::string> Words(std::string_view text, bool query) const;
  // The semantic layer; null when concepts are disabled.
  const ConceptExpander* expander() const { return expander_.get(); }

  // Names the analysis this analyzer performs: its options and kAnalysisVersion. A keyword index
  // saved under another fingerprint must be rebuilt from the text. Never fails.
  std::string Fingerprint() const;
  // Bump whenever a change to tokenising, stopwords, stemming or the concept lexicon changes the
  // terms of some text.
  static constexpr int kAnalysisVersion = 2;

 private:
  std::vector<std::string> Filter(const std::vector<std::string>& tokens, bool query) const;
  void AddConcepts(const std::vector<std::string>& words, bool query, Analysis* analysis) const;
  void AddIrregularBases(std::vector<std::string>* terms) const;

  const AnalyzerOptions options_;
  const std::unique_ptr<Stemmer> stemmer_;
  const std::unique_ptr<ConceptExpander> expander_;  // null when concepts are disabled
};

}  // namespace memoryd::text
