// Bm25Index: the search path (scoring, feedback, neighbour context, top-k selection).
#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "index/keyword_index.h"

namespace memoryd {
namespace {

// Neighbour context is computed for the best matches and their neighbours only: this many at
// least, or four times k, growing when a filter rejects too many of them.
constexpr size_t kMinContextPool = 128;
constexpr size_t kContextPoolPerResult = 4;
// Expansion terms found in more than this fraction of documents barely tell documents apart but
// have the longest posting lists, so they are skipped. Feedback words are meant to be the
// distinctive words of the top matches; topics can be broader.
constexpr float kMaxFeedbackDocumentFraction = 0.05f;
constexpr float kMaxTopicDocumentFraction = 0.3f;
constexpr uint32_t kMinExpansionDocumentCap = 2;
// Once more than 1/kDenseDivisor of the slots have a score, hits are no longer tracked.
constexpr size_t kDenseDivisor = 8;

struct Ranked {
  float score;
  uint64_t key;  // tie-breaker: lower first
  uint32_t slot;
};

// The k best of `slots` (score descending, key ascending) that `accept` lets through, best first.
// `accept` runs only for slots that would enter the current top k.
template <typename ScoreOf, typename KeyOf, typename Accept>
std::vector<Ranked> SelectBest(const std::vector<uint32_t>& slots, size_t k, ScoreOf score_of,
                               KeyOf key_of, Accept accept) {
  const auto better = [](const Ranked& a, const Ranked& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  };
  std::vector<Ranked> heap;  // the worst kept entry on top
  if (k == 0) return heap;
  heap.reserve(std::min(k, slots.size()) + 1);
  for (const uint32_t slot : slots) {
    const float score = score_of(slot);
    // Cheap rejection on the score alone, before touching the key.
    if (heap.size() == k && score < heap.front().score) continue;
    const Ranked entry{score, key_of(slot), slot};
    if (heap.size() == k && !better(entry, heap.front())) continue;
    if (!accept(slot)) continue;
    heap.push_back(entry);
    std::push_heap(heap.begin(), heap.end(), better);
    if (heap.size() > k) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.pop_back();
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  return heap;
}

}  // namespace

std::vector<KeywordHit> Bm25Index::Search(std::string_view query, size_t k,
                                          const Filter& filter) const {
  if (k == 0) return {};
  return SearchAnalyzed(analyzer_->AnalyzeQuery(query), k, filter);
}

std::vector<KeywordHit> Bm25Index::SearchAnalyzed(const text::Analysis& query, size_t k,
                                                  const Filter& filter) const {
  if (k == 0 || query.terms.empty()) return {};
  const auto query_length = static_cast<float>(query.terms.size());
  std::shared_lock lock(mu_);
  if (slot_of_.empty()) return {};
  const float avg_length =
      std::max(1.0f, static_cast<float>(total_length_) / static_cast<float>(slot_of_.size()));
  const std::vector<QueryTerm> terms = ResolveQuery(query);
  Scores scores{std::vector<float>(docs_.size(), 0.0f), {}, false};
  for (const QueryTerm& term : terms) Accumulate(term, avg_length, &scores);
  CollectHits(&scores);
  // Feedback words only add to the scores: the self-score, and so the calibration, stays that of
  // the query as written.
  const float self_score = SelfScore(terms, query_length, avg_length);
  const std::vector<QueryTerm> feedback = FeedbackTerms(terms, scores, query_length);
  for (const QueryTerm& term : feedback) Accumulate(term, avg_length, &scores);
  if (!feedback.empty()) CollectHits(&scores);
  return Rank(scores, k, filter, self_score);
}

std::vector<Bm25Index::QueryTerm> Bm25Index::ResolveQuery(const text::Analysis& query) const {
  std::vector<QueryTerm> resolved;
  const auto add = [&](const std::vector<std::string>& items, float weight, bool expansion) {
    for (const auto& [term, count] : CountStrings(items)) {
      auto it = term_ids_.find(term);
      const uint32_t id = it == term_ids_.end() ? kNone : it->second;
      if (expansion && IsTooCommon(id, kMaxTopicDocumentFraction)) continue;
      const auto n = static_cast<float>(count);
      resolved.push_back({id, weight * n, n});
    }
  };
  add(query.terms, 1.0f, false);
  if (options_.concept_weight > 0) add(query.concepts, options_.concept_weight, true);
  return resolved;
}

bool Bm25Index::IsTooCommon(uint32_t id, float max_fraction) const {
  if (id == kNone) return false;
  const auto cap = std::max(kMinExpansionDocumentCap,
                            static_cast<uint32_t>(max_fraction * static_cast<float>(slot_of_.size())));
  return live_df_[id] > cap;
}

float Bm25Index::Idf(uint32_t id) const {
  const auto n = static_cast<float>(slot_of_.size());
  const auto df = static_cast<float>(id == kNone ? 0 : live_df_[id]);
  return std::log1p((n - df + 0.5f) / (df + 0.5f));
}

float Bm25Index::TfNorm(float tf, float length, float avg_length) const {
  const float k1 = options_.k1;
  const float norm = k1 * (1.0f - options_.b + options_.b * length / avg_length);
  return tf * (k1 + 1.0f) / (tf + norm);
}

void Bm25Index::Accumulate(const QueryTerm& term, float avg_length, Scores* scores) const {
  if (term.id == kNone || live_df_[term.id] == 0 || term.weight <= 0) return;
  const float weight = term.weight * Idf(term.id) * (options_.k1 + 1.0f);
  // TfNorm unrolled: tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length)).
  const float base = options_.k1 * (1.0f - options_.b);
  const float per_word = options_.k1 * options_.b / avg_length;
  float* by_slot = scores->by_slot.data();
  const bool track = !scores->dense;
  for (const Posting& posting : postings_[term.id]) {
    if (live_[posting.slot] == 0) continue;
    float& score = by_slot[posting.slot];
    if (track && score == 0) scores->hits.push_back(posting.slot);
    const auto tf = static_cast<float>(posting.tf);
    score += weight * tf / (tf + base + per_word * static_cast<float>(posting.length));
  }
  if (track && scores->hits.size() > scores->by_slot.size() / kDenseDivisor) scores->dense = true;
}

void Bm25Index::CollectHits(Scores* scores) const {
  if (!scores->dense) return;
  // Branch-free: about half the slots have a score, so a branch would mispredict constantly.
  const size_t slots = scores->by_slot.size();
  scores->hits.resize(slots);
  size_t count = 0;
  for (uint32_t slot = 0; slot < slots; ++slot) {
    scores->hits[count] = slot;
    count += scores->by_slot[slot] > 0 ? 1 : 0;
  }
  scores->hits.resize(count);
}

float Bm25Index::SelfScore(const std::vector<QueryTerm>& query, float query_length,
                           float avg_length) const {
  float self_score = 0;
  for (const QueryTerm& term : query) {
    self_score += term.weight * Idf(term.id) * TfNorm(term.count, query_length, avg_length);
  }
  return self_score;
}

std::vector<Bm25Index::QueryTerm> Bm25Index::FeedbackTerms(const std::vector<QueryTerm>& query,
                                                           const Scores& scores,
                                                           float query_length) const {
  if (options_.feedback_terms == 0 || options_.feedback_weight <= 0) return {};
  const std::vector<Ranked> top = SelectBest(
      scores.hits, options_.feedback_documents,
      [&](uint32_t slot) { return scores.by_slot[slot]; }, [](uint32_t slot) { return slot; },
      [](uint32_t) { return true; });
  if (top.empty()) return {};
  // A word's feedback mass: its share of each top document, weighted by that document's score
  // and by the word's rarity.
  std::unordered_map<uint32_t, float> mass;
  for (const Ranked& entry : top) {
    const Document& doc = docs_[entry.slot];
    const float share = entry.score / top[0].score / static_cast<float>(std::max(1u, doc.length));
    for (const TermCount& term : doc.terms) {
      const bool in_query = std::any_of(query.begin(), query.end(),
                                        [&](const QueryTerm& q) { return q.id == term.id; });
      if (in_query || is_concept_[term.id] != 0 ||
          IsTooCommon(term.id, kMaxFeedbackDocumentFraction)) {
        continue;
      }
      mass[term.id] += share * term.tf * Idf(term.id);
    }
  }
  std::vector<std::pair<float, uint32_t>> ranked;
  for (const auto& [id, value] : mass) ranked.emplace_back(-value, id);
  const size_t keep = std::min(options_.feedback_terms, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                    ranked.end());
  float total = 0;
  for (size_t i = 0; i < keep; ++i) total -= ranked[i].first;
  std::vector<QueryTerm> expansion;
  for (size_t i = 0; i < keep && total > 0; ++i) {
    const float weight = options_.feedback_weight * (-ranked[i].first / total) * query_length;
    expansion.push_back({ranked[i].second, weight, 1.0f});
  }
  return expansion;
}

bool Bm25Index::UsesContext() const {
  return options_.previous_context_weight > 0 || options_.next_context_weight > 0;
}

float Bm25Index::WithContext(const Scores& scores, uint32_t slot) const {
  const Links& links = links_[slot];
  float score = scores.by_slot[slot];
  if (links.previous != kNone) {
    score += options_.previous_context_weight * scores.by_slot[links.previous];
  }
  if (links.next != kNone) score += options_.next_context_weight * scores.by_slot[links.next];
  return score;
}

// The `size` best matches by their own score, plus their neighbours: every document whose
// context score can stand out, without visiting the neighbours of every weak match.
std::vector<uint32_t> Bm25Index::ContextPool(const Scores& scores, size_t size) const {
  const std::vector<Ranked> best = SelectBest(
      scores.hits, size, [&](uint32_t slot) { return scores.by_slot[slot]; },
      [](uint32_t slot) { return slot; }, [](uint32_t) { return true; });
  std::vector<uint32_t> pool;
  pool.reserve(best.size() * 3);
  for (const Ranked& entry : best) {
    pool.push_back(entry.slot);
    if (links_[entry.slot].previous != kNone) pool.push_back(links_[entry.slot].previous);
    if (links_[entry.slot].next != kNone) pool.push_back(links_[entry.slot].next);
  }
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  return pool;
}

std::vector<KeywordHit> Bm25Index::Rank(const Scores& scores, size_t k, const Filter& filter,
                                        float self_score) const {
  const auto key_of = [this](uint32_t slot) { return labels_[slot]; };
  const auto accept = [&](uint32_t slot) { return !filter || filter(labels_[slot]); };
  std::vector<Ranked> ranked;
  if (!UsesContext()) {
    ranked = SelectBest(
        scores.hits, k, [&](uint32_t slot) { return scores.by_slot[slot]; }, key_of, accept);
  } else {
    const auto context_of = [&](uint32_t slot) { return WithContext(scores, slot); };
    // Grow the pool until it yields k accepted documents or covers every match.
    for (size_t size = std::max(kMinContextPool, k * kContextPoolPerResult);; size *= 2) {
      ranked = SelectBest(ContextPool(scores, size), k, context_of, key_of, accept);
      if (ranked.size() >= k || size >= scores.hits.size()) break;
    }
  }
  std::vector<KeywordHit> result;
  result.reserve(ranked.size());
  for (const Ranked& entry : ranked) {
    const float relative = self_score > 0 ? std::min(1.0f, entry.score / self_score) : 0.0f;
    result.push_back({entry.key, entry.score, relative});
  }
  return result;
}

}  // namespace memoryd
