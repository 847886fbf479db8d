#include "search/explain.h"

#include <algorithm>
#include <unordered_map>

namespace memoryd {
namespace {

constexpr size_t kMaxConcepts = 10;

struct Side {
  std::vector<std::string> words;  // unstemmed, as analysis keeps them
  // Per word, the terms it is indexed under: its stem and, for an irregular form, its lemma's.
  std::vector<std::vector<std::string>> stems;
  std::vector<text::ConceptHit> concepts;
};

Side Analyse(const text::TextAnalyzer& analyzer, std::string_view text, bool query) {
  Side side;
  side.words = analyzer.Words(text, query);
  for (const std::string& word : side.words) {
    std::vector<std::string> forms{word};
    if (analyzer.expander() != nullptr) analyzer.expander()->lexicon().IrregularBases(word, &forms);
    analyzer.StemAll(&forms);
    side.stems.push_back(std::move(forms));
  }
  if (analyzer.expander() != nullptr)
    side.concepts = analyzer.expander()->Expand(side.words, query);
  return side;
}

}  // namespace

void ExplainMatch(const text::TextAnalyzer& analyzer, std::string_view query,
                  std::string_view memory_text, Explanation* out) {
  const Side q = Analyse(analyzer, query, /*query=*/true);
  const Side m = Analyse(analyzer, memory_text, /*query=*/false);
  std::unordered_map<std::string, size_t> memory_word_of_stem;
  for (size_t i = 0; i < m.stems.size(); ++i) {
    for (const std::string& stem : m.stems[i]) memory_word_of_stem.try_emplace(stem, i);
  }
  std::vector<bool> query_word_matched(q.words.size(), false);
  for (size_t i = 0; i < q.stems.size(); ++i) {
    for (const std::string& stem : q.stems[i]) {
      auto it = memory_word_of_stem.find(stem);
      if (it == memory_word_of_stem.end()) continue;
      query_word_matched[i] = true;
      const bool listed = std::any_of(out->terms.begin(), out->terms.end(),
                                      [&](const auto& t) { return t.query_word == q.words[i]; });
      if (!listed) out->terms.push_back({q.words[i], m.words[it->second]});
      break;
    }
  }
  if (analyzer.expander() == nullptr) return;
  const text::Lexicon& lexicon = analyzer.expander()->lexicon();
  for (const text::ConceptHit& qc : q.concepts) {
    if (query_word_matched[qc.word]) continue;  // the word itself matched
    const auto mc = std::find_if(m.concepts.begin(), m.concepts.end(),
                                 [&](const auto& c) { return c.concept_id == qc.concept_id; });
    if (mc == m.concepts.end()) continue;
    out->concepts.push_back({std::string(lexicon.ConceptName(qc.concept_id)), q.words[qc.word],
                             m.words[mc->word], qc.kind, mc->kind, qc.weight});
  }
  std::stable_sort(
      out->concepts.begin(), out->concepts.end(),
      [](const MatchedConcept& a, const MatchedConcept& b) { return a.weight > b.weight; });
  // One entry per pair of words: their strongest shared concept.
  std::vector<MatchedConcept> kept;
  for (MatchedConcept& c : out->concepts) {
    const bool seen = std::any_of(kept.begin(), kept.end(), [&](const MatchedConcept& k) {
      return k.query_word == c.query_word && k.memory_word == c.memory_word;
    });
    if (!seen && kept.size() < kMaxConcepts) kept.push_back(std::move(c));
  }
  out->concepts = std::move(kept);
}

}  // namespace memoryd
