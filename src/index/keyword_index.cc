#include "index/keyword_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>

namespace memoryd {
namespace {

// Compaction rewrites every posting list, so it waits until dead slots are both numerous and at
// least half of all slots; that keeps its amortised cost per removal constant.
constexpr size_t kMinDeadSlotsToCompact = 256;
constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();

uint16_t Clamp16(size_t value) {
  return static_cast<uint16_t>(std::min<size_t>(value, std::numeric_limits<uint16_t>::max()));
}

// Distinct terms with their number of occurrences, in sorted order.
template <typename Counted>
std::vector<Counted> CountTerms(std::vector<std::string> terms) {
  std::sort(terms.begin(), terms.end());
  std::vector<Counted> counted;
  for (std::string& term : terms) {
    if (!counted.empty() && counted.back().term == term) {
      ++counted.back().count;
    } else {
      counted.push_back({std::move(term), 1});
    }
  }
  return counted;
}

// The worse of two candidates sits on top of the min-heap used for top-k selection.
template <typename Candidate>
bool Better(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.label < b.label;
}

}  // namespace

Bm25Index::Bm25Index(std::shared_ptr<const text::TextAnalyzer> analyzer, Bm25Options options)
    : analyzer_(std::move(analyzer)), options_(options) {}

Status Bm25Index::Add(uint64_t label, std::string_view text) {
  std::vector<std::string> terms = analyzer_->AnalyzeDocument(text);
  const size_t length = terms.size();
  std::vector<QueryTerm> counted = CountTerms<QueryTerm>(std::move(terms));

  std::unique_lock lock(mu_);
  if (auto it = slot_of_.find(label); it != slot_of_.end()) RemoveSlot(it->second);
  const auto slot = static_cast<uint32_t>(docs_.size());
  Document doc;
  doc.label = label;
  doc.length = static_cast<uint32_t>(std::min<size_t>(length, kNoSlot));
  doc.term_ids.reserve(counted.size());
  for (const QueryTerm& term : counted) {
    const uint32_t id = InternTerm(term.term);
    postings_[id].push_back({slot, Clamp16(term.count), Clamp16(length)});
    ++live_df_[id];
    doc.term_ids.push_back(id);
  }
  total_length_ += doc.length;
  docs_.push_back(std::move(doc));
  live_.push_back(1);
  slot_of_[label] = slot;
  MaybeCompact();
  return Status::Ok();
}

Status Bm25Index::Remove(uint64_t label) {
  std::unique_lock lock(mu_);
  auto it = slot_of_.find(label);
  if (it == slot_of_.end()) return Status::NotFound("no keyword document for this label");
  RemoveSlot(it->second);
  MaybeCompact();
  return Status::Ok();
}

size_t Bm25Index::Size() const {
  std::shared_lock lock(mu_);
  return slot_of_.size();
}

std::vector<KeywordHit> Bm25Index::Search(std::string_view query, size_t k,
                                          const Filter& filter) const {
  if (k == 0) return {};
  return SearchTerms(analyzer_->AnalyzeQuery(query), k, filter);
}

std::vector<KeywordHit> Bm25Index::SearchTerms(const std::vector<std::string>& terms, size_t k,
                                               const Filter& filter) const {
  if (k == 0 || terms.empty()) return {};
  const std::vector<QueryTerm> query = CountTerms<QueryTerm>(terms);
  const auto query_length = static_cast<float>(terms.size());

  std::shared_lock lock(mu_);
  if (slot_of_.empty()) return {};
  const float avg_length =
      std::max(1.0f, static_cast<float>(total_length_) / static_cast<float>(slot_of_.size()));
  std::vector<float> scores(docs_.size(), 0.0f);
  std::vector<uint32_t> hits;
  float self_score = 0;
  for (const QueryTerm& term : query) {
    auto it = term_ids_.find(term.term);
    const uint32_t df = it == term_ids_.end() ? 0 : live_df_[it->second];
    const float weight = static_cast<float>(term.count) * Idf(df);
    self_score += weight * TfNorm(static_cast<float>(term.count), query_length, avg_length);
    if (df == 0) continue;
    for (const Posting& posting : postings_[it->second]) {
      if (live_[posting.slot] == 0) continue;
      float& score = scores[posting.slot];
      if (score == 0) hits.push_back(posting.slot);
      score += weight * TfNorm(posting.tf, posting.length, avg_length);
    }
  }
  std::vector<Candidate> top = TopK(scores, hits, k, filter);
  std::vector<KeywordHit> result;
  result.reserve(top.size());
  for (const Candidate& c : top) {
    const float relative = self_score > 0 ? std::min(1.0f, c.score / self_score) : 0.0f;
    result.push_back({c.label, c.score, relative});
  }
  return result;
}

std::vector<Bm25Index::Candidate> Bm25Index::TopK(const std::vector<float>& scores,
                                                  const std::vector<uint32_t>& hits, size_t k,
                                                  const Filter& filter) const {
  std::vector<Candidate> heap;
  heap.reserve(std::min(k, hits.size()) + 1);
  const auto worse_on_top = [](const Candidate& a, const Candidate& b) { return Better(a, b); };
  for (const uint32_t slot : hits) {
    const Candidate candidate{scores[slot], docs_[slot].label};
    if (heap.size() == k && !Better(candidate, heap.front())) continue;
    // The filter runs only for candidates that would enter the top k.
    if (filter && !filter(candidate.label)) continue;
    heap.push_back(candidate);
    std::push_heap(heap.begin(), heap.end(), worse_on_top);
    if (heap.size() > k) {
      std::pop_heap(heap.begin(), heap.end(), worse_on_top);
      heap.pop_back();
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse_on_top);
  return heap;
}

float Bm25Index::Idf(uint32_t df) const {
  // The "plus one" form of Robertson-Sparck Jones idf: positive even for very common terms.
  const auto n = static_cast<float>(slot_of_.size());
  const auto d = static_cast<float>(df);
  return std::log1p((n - d + 0.5f) / (d + 0.5f));
}

float Bm25Index::TfNorm(float tf, float length, float avg_length) const {
  const float k1 = options_.k1;
  const float norm = k1 * (1.0f - options_.b + options_.b * length / avg_length);
  return tf * (k1 + 1.0f) / (tf + norm);
}

uint32_t Bm25Index::InternTerm(const std::string& term) {
  auto [it, inserted] = term_ids_.try_emplace(term, static_cast<uint32_t>(postings_.size()));
  if (inserted) {
    postings_.emplace_back();
    live_df_.push_back(0);
  }
  return it->second;
}

void Bm25Index::RemoveSlot(uint32_t slot) {
  Document& doc = docs_[slot];
  for (const uint32_t id : doc.term_ids) --live_df_[id];
  total_length_ -= doc.length;
  slot_of_.erase(doc.label);
  doc.term_ids = {};
  live_[slot] = 0;
  ++dead_slots_;
}

void Bm25Index::MaybeCompact() {
  if (dead_slots_ < kMinDeadSlotsToCompact || dead_slots_ * 2 < docs_.size()) return;
  const std::vector<uint32_t> new_slot = CompactDocuments();
  for (std::vector<Posting>& list : postings_) {
    std::erase_if(list, [this](const Posting& p) { return live_[p.slot] == 0; });
    for (Posting& p : list) p.slot = new_slot[p.slot];
  }
  live_.assign(docs_.size(), 1);
  dead_slots_ = 0;
  CompactTerms();
}

std::vector<uint32_t> Bm25Index::CompactDocuments() {
  std::vector<uint32_t> new_slot(docs_.size(), kNoSlot);
  std::vector<Document> kept;
  kept.reserve(slot_of_.size());
  for (uint32_t slot = 0; slot < docs_.size(); ++slot) {
    if (live_[slot] == 0) continue;
    new_slot[slot] = static_cast<uint32_t>(kept.size());
    slot_of_[docs_[slot].label] = new_slot[slot];
    kept.push_back(std::move(docs_[slot]));
  }
  docs_ = std::move(kept);
  return new_slot;
}

void Bm25Index::CompactTerms() {
  std::vector<uint32_t> new_id(postings_.size(), kNoSlot);
  std::vector<std::vector<Posting>> postings;
  std::vector<uint32_t> live_df;
  for (auto it = term_ids_.begin(); it != term_ids_.end();) {
    if (live_df_[it->second] == 0) {
      it = term_ids_.erase(it);
      continue;
    }
    new_id[it->second] = static_cast<uint32_t>(postings.size());
    postings.push_back(std::move(postings_[it->second]));
    live_df.push_back(live_df_[it->second]);
    it->second = new_id[it->second];
    ++it;
  }
  postings_ = std::move(postings);
  live_df_ = std::move(live_df);
  for (Document& doc : docs_) {
    for (uint32_t& id : doc.term_ids) id = new_id[id];
  }
}

}  // namespace memoryd
