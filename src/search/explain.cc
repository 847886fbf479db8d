#include "search/explain.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace memoryd {
namespace {

constexpr size_t kMaxConcepts = 10;

using Side = MatchExplainer::Side;

Side Analyse(const text::TextAnalyzer& analyzer, std::string_view text, bool query) {
  Side side;
  side.words = analyzer.Words(text, query);
  for (const std::string& word : side.words) {
    std::vector<std::string> forms{word};
    // A document is also indexed under its irregular forms' lemmas (analyzer.h); a query is not.
    if (!query && analyzer.expander() != nullptr) {
      analyzer.expander()->lexicon().IrregularBases(word, &forms);
    }
    analyzer.StemAll(&forms);
    side.stems.push_back(std::move(forms));
  }
  if (analyzer.expander() != nullptr)
    side.concepts = analyzer.expander()->Expand(side.words, query);
  return side;
}

// The query words the memory has (same stem); marks them in `matched`.
void MatchWords(const Side& q, const Side& m, std::vector<bool>* matched, Explanation* out) {
  std::unordered_map<std::string, size_t> memory_word_of_stem;
  for (size_t i = 0; i < m.stems.size(); ++i) {
    for (const std::string& stem : m.stems[i]) memory_word_of_stem.try_emplace(stem, i);
  }
  std::unordered_set<std::string> listed;
  for (size_t i = 0; i < q.stems.size(); ++i) {
    for (const std::string& stem : q.stems[i]) {
      auto it = memory_word_of_stem.find(stem);
      if (it == memory_word_of_stem.end()) continue;
      (*matched)[i] = true;
      if (listed.insert(q.words[i]).second) out->terms.push_back({q.words[i], m.words[it->second]});
      break;
    }
  }
}

// The concepts linking query words the memory lacks to memory words: per pair of words, the
// strongest, strongest pairs first, at most kMaxConcepts.
void MatchConcepts(const text::Lexicon& lexicon, const Side& q, const Side& m,
                   const std::vector<bool>& matched, Explanation* out) {
  std::unordered_map<uint32_t, size_t> memory_concept;  // concept -> first entry in m.concepts
  for (size_t i = 0; i < m.concepts.size(); ++i)
    memory_concept.try_emplace(m.concepts[i].concept_id, i);
  std::vector<MatchedConcept> found;
  for (const text::ConceptHit& qc : q.concepts) {
    if (matched[qc.word]) continue;  // the word itself matched
    auto it = memory_concept.find(qc.concept_id);
    if (it == memory_concept.end()) continue;
    const text::ConceptHit& mc = m.concepts[it->second];
    found.push_back({std::string(lexicon.ConceptName(qc.concept_id)), q.words[qc.word],
                     m.words[mc.word], std::string(text::Lexicon::LinkKindName(qc.kind)),
                     std::string(text::Lexicon::LinkKindName(mc.kind)), qc.weight});
  }
  std::stable_sort(
      found.begin(), found.end(),
      [](const MatchedConcept& a, const MatchedConcept& b) { return a.weight > b.weight; });
  std::unordered_set<std::string> pairs;
  for (MatchedConcept& c : found) {
    if (out->concepts.size() >= kMaxConcepts) break;
    if (pairs.insert(c.query_word + '\n' + c.memory_word).second)
      out->concepts.push_back(std::move(c));
  }
}

}  // namespace

MatchExplainer::MatchExplainer(const text::TextAnalyzer& analyzer, std::string_view query)
    : analyzer_(analyzer), query_(Analyse(analyzer, query, /*query=*/true)) {}

void MatchExplainer::Explain(std::string_view memory_text, Explanation* out) const {
  const Side m = Analyse(analyzer_, memory_text, /*query=*/false);
  std::vector<bool> matched(query_.words.size(), false);
  MatchWords(query_, m, &matched, out);
  if (analyzer_.expander() != nullptr) {
    MatchConcepts(analyzer_.expander()->lexicon(), query_, m, matched, out);
  }
}

void ExplainMatch(const text::TextAnalyzer& analyzer, std::string_view query,
                  std::string_view memory_text, Explanation* out) {
  MatchExplainer(analyzer, query).Explain(memory_text, out);
}

}  // namespace memoryd
