// ConceptLexicon: a small hand-written thesaurus of everyday topics (family, pets, music, work,
// travel, health, ...) that lets a query about "children" reach a memory about "my son", or
// "music" reach "a Mozart concert", without a trained model.
//
// Each topic becomes a pseudo-term "#<topic>" (the tokenizer never emits '#', so pseudo-terms
// cannot collide with words). Indexes store the pseudo-terms of a document's words next to the
// words themselves, and queries add their own with a reduced weight, so a shared topic counts
// for less than a shared word, and corpus statistics (idf) decide how telling each topic is.
// The question word "when" implies the "#temporal" topic (yesterday, last week, in May ...).
//
// Lookups take stems (see stemmer.h): the lexicon stems its own words with the same stemmer.
//
// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/stemmer.h"

namespace memoryd::text {

class ConceptLexicon {
 public:
  // Builds the built-in lexicon; `stemmer` may be null to look words up unstemmed.
  explicit ConceptLexicon(const Stemmer* stemmer);

  // Appends the pseudo-terms of every topic that `stem` belongs to (none for most words).
  void AppendConcepts(std::string_view stem, std::vector<std::string>* out) const;
  // Appends the pseudo-terms implied by a question word such as "when" (unstemmed token).
  void AppendQuestionConcepts(std::string_view token, std::vector<std::string>* out) const;

  // Number of topics; for tests.
  size_t TopicCount() const { return topic_terms_.size(); }

 private:
  // Lets the map be searched with a string_view, without building a string per lookup.
  struct StemHash {
    using is_transparent = void;
    size_t operator()(std::string_view stem) const { return std::hash<std::string_view>{}(stem); }
  };

  std::vector<std::string> topic_terms_;  // "#family", ... by topic index
  std::unordered_map<std::string, std::vector<size_t>, StemHash, std::equal_to<>> topics_of_stem_;
};

}  // namespace memoryd::text
