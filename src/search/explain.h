// Explanations of search results (`explain: true`): why a memory matched a query, in terms a
// user can check. The keyword and vector parts come from the search itself (fusion.h); the words
// and concepts that matched are worked out afterwards, for the few results returned, by
// analysing the query and the memory's indexed text with the same analyzer the index uses, so
// the search path itself pays nothing for it.
//
// Thread-safety: pure functions of their arguments; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text/analyzer.h"

namespace memoryd {

// A query word found in the memory (same stem).
struct MatchedTerm {
  std::string query_word;
  std::string memory_word;
};

// A WordNet concept both reach: which words, through which links ("synonym", "broader",
// "part-of", "derived", "similar", "definition"), and the query side's weight.
struct MatchedConcept {
  std::string concept_name;
  std::string query_word;
  std::string memory_word;
  std::string query_link;
  std::string memory_link;
  float weight = 0;  // the query word's link weight, in (0, 1]
};

struct Explanation {
  float keyword = 0;         // calibrated keyword part, in [0, 1]
  float vector = 0;          // calibrated vector part, in [0, 1]
  float keyword_weight = 0;  // score = keyword_weight * keyword + (1 - keyword_weight) * vector
  float cosine_floor = 0;    // the cosine that counted as unrelated in this space
  std::vector<MatchedTerm> terms;
  std::vector<MatchedConcept> concepts;  // strongest first; concepts of matched words left out
};

// The words and concepts one query shares with memories. The query is analysed once, at
// construction; Explain then analyses each memory's text. `analyzer` must outlive it.
class MatchExplainer {
 public:
  MatchExplainer(const text::TextAnalyzer& analyzer, std::string_view query);

  // Adds to `out` the words and concepts the query and `memory_text` share. Never fails.
  void Explain(std::string_view memory_text, Explanation* out) const;

  // One side of a match: the words analysis keeps, their indexed forms, their concepts.
  struct Side {
    std::vector<std::string> words;  // unstemmed, as analysis keeps them
    // Per word, the terms it is indexed under: its stem and, for an irregular form of a
    // document, its lemma's.
    std::vector<std::vector<std::string>> stems;
    std::vector<text::ConceptHit> concepts;
  };

 private:
  const text::TextAnalyzer& analyzer_;
  const Side query_;
};

// MatchExplainer(analyzer, query).Explain(memory_text, out), for a single memory.
void ExplainMatch(const text::TextAnalyzer& analyzer, std::string_view query,
                  std::string_view memory_text, Explanation* out);

}  // namespace memoryd
