// ConceptExpander: the semantic layer of text analysis. It maps the words of a text to WordNet
// concepts (lexicon.h) as pseudo-terms "#<concept id>" (the tokenizer never emits '#', so they
// cannot collide with words), which the keyword index stores beside the words and the builtin
// embedder hashes as features, so "automobile" reaches "car", "cello" reaches "instrument" and
// "Lyon" reaches "France" without a trained model.
//
// The two sides differ on purpose. A document lists the concepts its words reach strongly (link
// weight at least document_min_weight: the dominant senses and near links), once per word and
// without weights; the index's corpus statistics then say how telling each one is. A query lists
// every concept its words reach above query_min_weight, each with its link weight, so a rare
// sense or a long link of a query word counts for little. Two-word lemmas ("ice cream") add their
// own concepts.
//
// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/lexicon.h"

namespace memoryd::text {

// The link kinds used unless told otherwise: each helps on both the labelled paraphrase set and
// the LoCoMo development split (docs/BENCHMARKS.md, ablation). Adjective heads and definitions
// stay in the table for measurement: definitions find more paraphrases but cost LoCoMo recall.
inline constexpr uint32_t kDefaultLinks =
    (1u << static_cast<int>(LinkKind::kSynonym)) | (1u << static_cast<int>(LinkKind::kBroader)) |
    (1u << static_cast<int>(LinkKind::kPartOf)) | (1u << static_cast<int>(LinkKind::kDerived));

struct SemanticOptions {
  // One bit per LinkKind (1 << kind) that may reach a concept.
  uint32_t links = kDefaultLinks;
  float document_min_weight = 0.25f;
  float query_min_weight = 0.05f;
  // Look up adjacent word pairs as two-word lemmas.
  bool phrases = true;
};

// One concept reached by a word of the text.
struct ConceptHit {
  uint32_t concept_id = 0;
  float weight = 0;
  LinkKind kind = LinkKind::kSynonym;
  uint32_t word = 0;  // index of the (first) word that reaches it
};

class ConceptExpander {
 public:
  ConceptExpander(const Lexicon& lexicon, SemanticOptions options);

  // The concepts `words` (lowercase, unstemmed content words in text order) reach, strongest
  // link per word and concept; documents keep only the strong ones (see the header comment).
  std::vector<ConceptHit> Expand(const std::vector<std::string>& words, bool query) const;

  // "#<id>" and back; nullopt when `term` is not a concept pseudo-term.
  static std::string TermOf(uint32_t concept_id);
  static std::optional<uint32_t> ConceptOfTerm(std::string_view term);

  const Lexicon& lexicon() const { return lexicon_; }
  const SemanticOptions& options() const { return options_; }
  // Names the options, for the analyzer's fingerprint.
  std::string Fingerprint() const;

 private:
  void Add(const std::vector<ConceptLink>& links, uint32_t word, float min_weight,
           std::vector<ConceptHit>* out) const;

  const Lexicon& lexicon_;
  const SemanticOptions options_;
};

// Parses a comma-separated list of link kind names ("synonym,broader"; "all" for every kind;
// "default"; "none") into SemanticOptions::links; nullopt for an unknown name.
std::optional<uint32_t> ParseLinkKinds(std::string_view list);

}  // namespace memoryd::text
