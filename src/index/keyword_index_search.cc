// Bm25Index: the search path.
//
// 1. Accumulate the BM25 contributions of the query's words (each, where a document lacks it, by
//    its best concept) into a dense score array.
// 2. Select the "leaders": the best few hundred documents by that score (one pass over hits).
// 3. Feedback: mine the best leaders for distinctive words and accumulate those too.
// 4. Rank the leaders, the documents the feedback words touched and, with neighbour context,
//    their neighbours, by their final score; widen the leaders if a filter rejects too many.
// A document outside those sets scores below every leader and gains only bounded context, so
// the leaders stand for the whole index at a fraction of the cost.
#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <unordered_map>

#include "index/best_slots.h"
#include "index/keyword_index.h"

namespace memoryd {
namespace {

// How many leaders to rank: at least this many, or this many per requested result.
constexpr size_t kMinLeaders = 128;
constexpr size_t kLeadersPerResult = 4;
// Factor by which the leaders grow when a filter leaves fewer than k documents.
constexpr size_t kLeaderGrowth = 4;
// Expansion terms found in more than this fraction of documents barely tell documents apart but
// have the longest posting lists, so they are skipped. Feedback words are meant to be the
// distinctive words of the top matches; concepts can be broader.
constexpr float kMaxFeedbackDocumentFraction = 0.02f;
constexpr float kMaxConceptDocumentFraction = 0.3f;
// A query word's strongest concepts only: each one's postings are walked for the word.
constexpr size_t kMaxConceptsPerWord = 8;
constexpr uint32_t kMinExpansionDocumentCap = 2;

// BM25's saturated term frequency, tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length))
// without the (k1 + 1), with base = k1 * (1 - b) and per_word = k1 * b / avg_length folded in.
inline float Saturated(uint16_t tf, uint16_t length, float base, float per_word) {
  const auto f = static_cast<float>(tf);
  return f / (f + base + per_word * static_cast<float>(length));
}

struct Ranked {
  float score;
  uint64_t key;  // tie-breaker: lower first
  uint32_t slot;
};

// The k best of `slots` (score descending, key ascending) that `accept` lets through, best first.
// `accept` runs only for slots that would enter the current top k.
template <typename ScoreOf, typename KeyOf, typename Accept>
std::vector<Ranked> SelectBest(std::span<const uint32_t> slots, size_t k, ScoreOf score_of,
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

// One spare entry: Accumulate's branch-free append writes hits[hit_count] before deciding whether
// the slot is new, so once every slot has been hit it writes one past the last.
Bm25Index::Scores::Scores(size_t slots)
    : by_slot(slots, 0.0f),
      hits(std::make_unique_for_overwrite<uint32_t[]>(slots + 1)),
      seen(slots, 0),
      has_word(slots, 0),
      best(slots, 0.0f) {}

Bm25Index::ScoresLease::ScoresLease(size_t slots) {
  thread_local std::unique_ptr<Scores> cached;
  if (!cached || cached->by_slot.size() < slots) {
    cached = std::make_unique<Scores>(slots + slots / 4 + 64);  // room to grow
  }
  scores_ = cached.get();
  exceptions_ = std::uncaught_exceptions();
}

Bm25Index::ScoresLease::~ScoresLease() {
  if (std::uncaught_exceptions() > exceptions_) {
    // A search threw midway (std::bad_alloc): the hit list may miss touched slots. Clear all.
    std::fill(scores_->by_slot.begin(), scores_->by_slot.end(), 0.0f);
    std::fill(scores_->seen.begin(), scores_->seen.end(), uint8_t{0});
    std::fill(scores_->best.begin(), scores_->best.end(), 0.0f);
    // (has_word needs no clearing: its marks are stamps.)
    scores_->best_slots.clear();
  } else {
    for (const uint32_t slot : scores_->Hits()) scores_->by_slot[slot] = 0.0f;
  }
  scores_->hit_count = 0;
}

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
  ScoresLease lease(docs_.size());
  Scores& scores = lease.get();
  // Words first, then concepts grouped by their word (ResolveQuery).
  const auto first_concept =
      std::find_if(terms.begin(), terms.end(), [](const QueryTerm& t) { return t.expansion; });
  auto concepts = first_concept;
  for (auto word = terms.begin(); word != first_concept; ++word) {
    const auto index = static_cast<uint32_t>(word - terms.begin());
    const auto end =
        std::find_if(concepts, terms.end(), [&](const QueryTerm& t) { return t.word != index; });
    AccumulateWord(*word,
                   std::span<const QueryTerm>(&*concepts, static_cast<size_t>(end - concepts)),
                   avg_length, &scores);
    concepts = end;
  }
  // Feedback words only add to the scores: the self-score, and so the calibration, stays that of
  // the query as written.
  const float self_score = SelfScore(terms, query_length, avg_length);
  std::vector<uint32_t> leaders = BestSlots(scores, std::max(kMinLeaders, k * kLeadersPerResult));
  std::vector<uint32_t> boosted;
  for (const QueryTerm& term : FeedbackTerms(terms, scores, leaders, query_length)) {
    Accumulate(term, avg_length, &scores, &boosted);
  }
  return Rank(scores, std::move(leaders), boosted, k, filter, self_score);
}

std::vector<Bm25Index::QueryTerm> Bm25Index::ResolveQuery(const text::Analysis& query) const {
  std::vector<QueryTerm> resolved;
  const auto id_of = [&](const std::string& term) {
    auto it = term_ids_.find(term);
    return it == term_ids_.end() ? kNone : it->second;
  };
  std::map<std::string, uint32_t> word_of_term;  // stem -> its index in `resolved`
  for (const auto& [term, count] : CountStrings(query.terms)) {
    const auto n = static_cast<float>(count);
    word_of_term.emplace(term, static_cast<uint32_t>(resolved.size()));
    resolved.push_back({id_of(term), n, n, false, kNone});
  }
  if (options_.concept_weight <= 0 || query.concept_sources.size() != query.concepts.size()) {
    return resolved;
  }
  // Each concept once, under the query word that reaches it most strongly.
  std::map<std::string_view, std::pair<float, uint32_t>> concepts;  // weight, word
  for (size_t i = 0; i < query.concepts.size(); ++i) {
    const float weight = i < query.concept_weights.size() ? query.concept_weights[i] : 1.0f;
    const uint32_t source = query.concept_sources[i];
    if (source >= query.terms.size()) continue;
    if (!(weight > 0)) continue;
    const uint32_t word = word_of_term.at(query.terms[source]);
    auto [entry, added] = concepts.try_emplace(query.concepts[i], weight, word);
    if (!added && weight > entry->second.first) entry->second = {weight, word};
  }
  const size_t words = resolved.size();
  for (const auto& [term, entry] : concepts) {
    const uint32_t id = id_of(std::string(term));
    if (id == kNone || IsTooCommon(id, kMaxConceptDocumentFraction)) continue;
    resolved.push_back({id, options_.concept_weight * entry.first, 1.0f, true, entry.second});
  }
  // Concepts grouped by their word, in word order (SearchAnalyzed walks them side by side), each
  // word's strongest first and at most kMaxConceptsPerWord of them.
  std::sort(resolved.begin() + static_cast<std::ptrdiff_t>(words), resolved.end(),
            [](const QueryTerm& a, const QueryTerm& b) {
              if (a.word != b.word) return a.word < b.word;
              return a.weight != b.weight ? a.weight > b.weight : a.id < b.id;
            });
  size_t kept = words;
  for (size_t i = words, rank = 0; i < resolved.size(); ++i) {
    rank = i > words && resolved[i].word == resolved[i - 1].word ? rank + 1 : 0;
    if (rank < kMaxConceptsPerWord) resolved[kept++] = resolved[i];
  }
  resolved.resize(kept);
  return resolved;
}

bool Bm25Index::IsTooCommon(uint32_t id, float max_fraction) const {
  if (id == kNone) return false;
  const auto cap =
      std::max(kMinExpansionDocumentCap,
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

uint32_t Bm25Index::Scores::NextStamp() {
  if (++stamp == 0) {  // wrapped: an old mark could equal a new stamp
    std::fill(has_word.begin(), has_word.end(), 0u);
    stamp = 1;
  }
  return stamp;
}

void Bm25Index::Accumulate(const QueryTerm& term, float avg_length, Scores* scores,
                           std::vector<uint32_t>* touched, uint32_t stamp) const {
  if (term.id == kNone || live_df_[term.id] == 0 || term.weight <= 0) return;
  const float weight = term.weight * Idf(term.id) * (options_.k1 + 1.0f);
  // TfNorm unrolled: tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length)).
  const float base = options_.k1 * (1.0f - options_.b);
  const float per_word = options_.k1 * options_.b / avg_length;
  float* by_slot = scores->by_slot.data();
  uint32_t* hits = scores->hits.get();
  size_t hit_count = scores->hit_count;
  const bool all_live = dead_slots_ == 0;  // then the live_ array need not be read
  for (const Posting& posting : postings_[term.id]) {
    if (!all_live && live_[posting.slot] == 0) continue;
    float& score = by_slot[posting.slot];
    // Branch-free append: whether a slot is new is unpredictable.
    hits[hit_count] = posting.slot;
    hit_count += score == 0 ? 1 : 0;
    score += weight * Saturated(posting.tf, posting.length, base, per_word);
    if (touched != nullptr) touched->push_back(posting.slot);
    if (stamp != 0) scores->has_word[posting.slot] = stamp;
  }
  scores->hit_count = hit_count;
}

// A query word and its concepts: the word's own score where a document has the word, else the
// best of its concepts' scores. `concepts` are the word's concept terms.
void Bm25Index::AccumulateWord(const QueryTerm& word, std::span<const QueryTerm> concepts,
                               float avg_length, Scores* scores) const {
  if (concepts.empty()) {
    Accumulate(word, avg_length, scores, nullptr);
    return;
  }
  const uint32_t stamp = scores->NextStamp();
  Accumulate(word, avg_length, scores, nullptr, stamp);
  const uint32_t* has_word = scores->has_word.data();
  const float base = options_.k1 * (1.0f - options_.b);
  const float per_word = options_.k1 * options_.b / avg_length;
  float* best = scores->best.data();
  std::vector<uint32_t>& best_slots = scores->best_slots;
  const bool all_live = dead_slots_ == 0;
  for (const QueryTerm& term : concepts) {
    if (term.id == kNone || live_df_[term.id] == 0 || term.weight <= 0) continue;
    const float weight = term.weight * Idf(term.id) * (options_.k1 + 1.0f);
    for (const Posting& posting : postings_[term.id]) {
      if ((!all_live && live_[posting.slot] == 0) || has_word[posting.slot] == stamp) continue;
      const float value = weight * Saturated(posting.tf, posting.length, base, per_word);
      float& kept = best[posting.slot];
      if (kept == 0) best_slots.push_back(posting.slot);
      kept = std::max(kept, value);
    }
  }
  for (const uint32_t slot : best_slots) {
    const float value = best[slot];
    best[slot] = 0;
    if (!(value > 0)) continue;  // a zero would list the slot among the hits twice
    float& score = scores->by_slot[slot];
    scores->hits[scores->hit_count] = slot;
    scores->hit_count += score == 0 ? 1 : 0;
    score += value;
  }
  best_slots.clear();
}

float Bm25Index::SelfScore(const std::vector<QueryTerm>& query, float query_length,
                           float avg_length) const {
  float self_score = 0;
  for (const QueryTerm& term : query) {
    if (term.expansion) continue;
    self_score += term.weight * Idf(term.id) * TfNorm(term.count, query_length, avg_length);
  }
  return self_score;
}

// The m best slots by their current score, best first (ties: lower slot first).
std::vector<uint32_t> Bm25Index::BestSlots(const Scores& scores, size_t m) const {
  return memoryd::BestSlots(scores.Hits(), scores.by_slot.data(), m);
}

std::vector<Bm25Index::QueryTerm> Bm25Index::FeedbackTerms(const std::vector<QueryTerm>& query,
                                                           const Scores& scores,
                                                           const std::vector<uint32_t>& leaders,
                                                           float query_length) const {
  const size_t m = std::min(options_.feedback_documents, leaders.size());
  if (m == 0 || options_.feedback_terms == 0 || options_.feedback_weight <= 0) return {};
  // A word's feedback mass: its share of each top document, weighted by that document's score
  // and by the word's rarity.
  std::unordered_map<uint32_t, float> mass;
  for (size_t i = 0; i < m; ++i) {
    const float share = scores.by_slot[leaders[i]] / scores.by_slot[leaders[0]] /
                        static_cast<float>(std::max(1u, docs_[leaders[i]].length));
    for (const TermCount& term : TermsOf(leaders[i])) {
      const bool in_query = std::any_of(query.begin(), query.end(),
                                        [&](const QueryTerm& q) { return q.id == term.id; });
      if (in_query || is_concept_[term.id] != 0 ||
          IsTooCommon(term.id, kMaxFeedbackDocumentFraction)) {
        continue;
      }
      mass[term.id] += share * static_cast<float>(term.tf) * Idf(term.id);
    }
  }
  std::vector<std::pair<float, uint32_t>> ranked;
  ranked.reserve(mass.size());
  for (const auto& [id, value] : mass) ranked.emplace_back(-value, id);
  const size_t keep = std::min(options_.feedback_terms, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                    ranked.end());
  float total = 0;
  for (size_t i = 0; i < keep; ++i) total -= ranked[i].first;
  std::vector<QueryTerm> expansion;
  for (size_t i = 0; i < keep && total > 0; ++i) {
    const float weight = options_.feedback_weight * (-ranked[i].first / total) * query_length;
    expansion.push_back({ranked[i].second, weight, 1.0f, true, kNone});
  }
  return expansion;
}

bool Bm25Index::UsesContext() const {
  return (options_.previous_context_weight > 0 || options_.next_context_weight > 0) &&
         ContextStrengthLocked() > 0;
}

float Bm25Index::FinalScore(const Scores& scores, uint32_t slot) const {
  float score = scores.by_slot[slot];
  if (!UsesContext()) return score;
  const float strength = ContextStrengthLocked();
  const Links& links = links_[slot];
  if (links.previous != kNone) {
    score += strength * options_.previous_context_weight * scores.by_slot[links.previous];
  }
  if (links.next != kNone) {
    score += strength * options_.next_context_weight * scores.by_slot[links.next];
  }
  return score;
}

// Leaders, boosted documents and, with context, the neighbours of both; distinct.
// `seen` is all 0 on entry and on return.
std::vector<uint32_t> Bm25Index::Candidates(const std::vector<uint32_t>& leaders,
                                            const std::vector<uint32_t>& boosted,
                                            std::vector<uint8_t>* seen) const {
  std::vector<uint32_t> candidates;
  candidates.reserve(leaders.size() + boosted.size());
  const auto add = [&](uint32_t slot) {
    if (slot == kNone || (*seen)[slot] != 0) return;
    (*seen)[slot] = 1;
    candidates.push_back(slot);
  };
  for (const uint32_t slot : leaders) add(slot);
  for (const uint32_t slot : boosted) add(slot);
  if (UsesContext()) {
    const size_t own = candidates.size();
    for (size_t i = 0; i < own; ++i) {
      add(links_[candidates[i]].previous);
      add(links_[candidates[i]].next);
    }
  }
  for (const uint32_t slot : candidates) (*seen)[slot] = 0;
  return candidates;
}

std::vector<KeywordHit> Bm25Index::Rank(Scores& scores, std::vector<uint32_t> leaders,
                                        const std::vector<uint32_t>& boosted, size_t k,
                                        const Filter& filter, float self_score) const {
  const auto score_of = [&](uint32_t slot) { return FinalScore(scores, slot); };
  const auto key_of = [this](uint32_t slot) { return labels_[slot]; };
  // A neighbour of a match whose own score and context are both zero is no match.
  const auto accept = [&](uint32_t slot) {
    return score_of(slot) > 0 && (!filter || filter(labels_[slot]));
  };
  std::vector<Ranked> ranked;
  for (size_t size = leaders.size();; size *= kLeaderGrowth) {
    if (size > leaders.size()) leaders = BestSlots(scores, size);
    ranked = SelectBest(Candidates(leaders, boosted, &scores.seen), k, score_of, key_of, accept);
    // Enough results, or every match already considered.
    if (ranked.size() >= k || leaders.size() >= scores.hit_count) break;
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
