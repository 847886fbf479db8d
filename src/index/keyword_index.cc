// Bm25Index: construction, mutation and compaction. The search path is in
// keyword_index_search.cc.
#include "index/keyword_index.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <mutex>
#include <utility>

namespace memoryd {
namespace {

// Compaction rewrites every posting list, so it waits until dead slots are both numerous and at
// least half of all slots; that keeps its amortised cost per removal constant.
constexpr size_t kMinDeadSlotsToCompact = 256;

uint16_t Clamp16(size_t value) {
  return static_cast<uint16_t>(std::min<size_t>(value, std::numeric_limits<uint16_t>::max()));
}

}  // namespace

std::vector<std::pair<std::string, size_t>> Bm25Index::CountStrings(
    std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::vector<std::pair<std::string, size_t>> counted;
  for (std::string& item : items) {
    if (!counted.empty() && counted.back().first == item) {
      ++counted.back().second;
    } else {
      counted.emplace_back(std::move(item), 1);
    }
  }
  return counted;
}

Bm25Index::Bm25Index(std::shared_ptr<const text::TextAnalyzer> analyzer, Bm25Options options)
    : analyzer_(std::move(analyzer)), options_(options) {}

Status Bm25Index::Add(uint64_t label, std::string_view text) {
  text::Analysis analysis = analyzer_->AnalyzeDocument(text);
  const size_t length = analysis.terms.size();
  std::vector<std::string> all = std::move(analysis.terms);
  all.insert(all.end(), std::make_move_iterator(analysis.concepts.begin()),
             std::make_move_iterator(analysis.concepts.end()));
  const std::vector<std::pair<std::string, size_t>> counted = CountStrings(std::move(all));

  std::unique_lock lock(mu_);
  if (auto it = slot_of_.find(label); it != slot_of_.end()) RemoveSlot(it->second);
  const auto slot = static_cast<uint32_t>(docs_.size());
  Document doc;
  doc.length = static_cast<uint32_t>(std::min<size_t>(length, kNone - 1));
  doc.offset = terms_.size();
  doc.count = static_cast<uint32_t>(counted.size());
  const std::span<TermCount> stored = terms_.Extend(counted.size());
  for (size_t i = 0; i < counted.size(); ++i) {
    const uint32_t id = InternTerm(counted[i].first);
    postings_[id].push_back({slot, Clamp16(counted[i].second), Clamp16(length)});
    ++live_df_[id];
    stored[i] = {id, Clamp16(counted[i].second)};
  }
  total_length_ += doc.length;
  docs_.push_back(doc);
  labels_.push_back(label);
  links_.emplace_back();
  live_.push_back(1);
  LinkNeighbours(slot, slot_of_.emplace(label, slot).first);
  NoteOverlap(slot);
  MaybeCompact();
  return Status::Ok();
}

// Overlap coefficient of two documents' distinct terms (concepts included).
float Bm25Index::Overlap(uint32_t a, uint32_t b) const {
  const auto ids = [this](uint32_t slot) {
    std::vector<uint32_t> out;
    for (const TermCount& t : TermsOf(slot)) out.push_back(t.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  const std::vector<uint32_t> x = ids(a);
  const std::vector<uint32_t> y = ids(b);
  if (x.empty() || y.empty()) return 0;
  size_t shared = 0;
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] == y[j]) {
      ++shared, ++i, ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<float>(shared) / static_cast<float>(std::min(x.size(), y.size()));
}

// For a document appended after the last one: compares it with its predecessor and with an
// earlier live document chosen by a hash of its label.
void Bm25Index::NoteOverlap(uint32_t slot) {
  const Links& links = links_[slot];
  if (links.previous == kNone || links.next != kNone || slot < 2) return;
  const uint64_t mixed = labels_[slot] * 0x9E3779B97F4A7C15ULL;
  const auto other = static_cast<uint32_t>((mixed >> 32) % slot);
  if (other == links.previous || live_[other] == 0) return;
  adjacent_overlap_ += Overlap(slot, links.previous);
  random_overlap_ += Overlap(slot, other);
  ++overlap_pairs_;
}

float Bm25Index::ContextStrengthLocked() const {
  if (overlap_pairs_ < kContextMinPairs) return 0;
  const double ratio = adjacent_overlap_ / std::max(random_overlap_, 1e-3 * overlap_pairs_);
  return static_cast<float>(std::clamp((ratio - 1.1) / 0.4, 0.0, 1.0));
}

float Bm25Index::ContextStrength() const {
  std::shared_lock lock(mu_);
  return ContextStrengthLocked();
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

bool Bm25Index::Contains(uint64_t label) const {
  std::shared_lock lock(mu_);
  return slot_of_.contains(label);
}

uint32_t Bm25Index::InternTerm(const std::string& term) {
  auto [it, inserted] = term_ids_.try_emplace(term, static_cast<uint32_t>(postings_.size()));
  if (inserted) {
    postings_.emplace_back();
    live_df_.push_back(0);
    is_concept_.push_back(!term.empty() && term[0] == '#' ? 1 : 0);
  }
  return it->second;
}

void Bm25Index::LinkNeighbours(uint32_t slot, std::map<uint64_t, uint32_t>::iterator position) {
  Links& links = links_[slot];
  if (position != slot_of_.begin()) {
    links.previous = std::prev(position)->second;
    links_[links.previous].next = slot;
  }
  if (auto after = std::next(position); after != slot_of_.end()) {
    links.next = after->second;
    links_[links.next].previous = slot;
  }
}

void Bm25Index::UnlinkNeighbours(uint32_t slot) {
  Links& links = links_[slot];
  if (links.previous != kNone) links_[links.previous].next = links.next;
  if (links.next != kNone) links_[links.next].previous = links.previous;
  links = Links{};
}

void Bm25Index::RemoveSlot(uint32_t slot) {
  for (const TermCount& term : TermsOf(slot)) --live_df_[term.id];
  UnlinkNeighbours(slot);
  total_length_ -= docs_[slot].length;
  slot_of_.erase(labels_[slot]);
  docs_[slot] = Document{};  // its entries in terms_ stay until the next compaction
  live_[slot] = 0;
  ++dead_slots_;
}

void Bm25Index::MaybeCompact() {
  if (dead_slots_ < kMinDeadSlotsToCompact || dead_slots_ * 2 < docs_.size()) return;
  const std::vector<uint32_t> new_slot = CompactDocuments();
  for (std::vector<Posting>& list : postings_) {
    std::erase_if(list, [&new_slot](const Posting& p) { return new_slot[p.slot] == kNone; });
    for (Posting& p : list) p.slot = new_slot[p.slot];
  }
  dead_slots_ = 0;
  CompactTerms();
}

// Drops dead documents, keeping insertion order, and their entries in terms_; returns the
// old-to-new slot map.
std::vector<uint32_t> Bm25Index::CompactDocuments() {
  std::vector<uint32_t> new_slot(docs_.size(), kNone);
  TermPool<TermCount> live_terms;
  live_terms.Reserve(terms_.size());
  uint32_t kept = 0;
  for (uint32_t slot = 0; slot < docs_.size(); ++slot) {
    if (live_[slot] == 0) continue;
    new_slot[slot] = kept;
    slot_of_[labels_[slot]] = kept;
    const std::span<const TermCount> terms = TermsOf(slot);
    docs_[slot].offset = live_terms.size();
    std::ranges::copy(terms, live_terms.Extend(terms.size()).begin());
    if (kept != slot) {
      docs_[kept] = docs_[slot];
      labels_[kept] = labels_[slot];
      links_[kept] = links_[slot];
    }
    ++kept;
  }
  docs_.resize(kept);
  terms_.swap(live_terms);
  labels_.resize(kept);
  links_.resize(kept);
  live_.assign(kept, 1);
  for (Links& links : links_) {
    if (links.previous != kNone) links.previous = new_slot[links.previous];
    if (links.next != kNone) links.next = new_slot[links.next];
  }
  return new_slot;
}

// Forgets terms that no live document contains and renumbers the rest densely.
void Bm25Index::CompactTerms() {
  std::vector<uint32_t> new_id(postings_.size(), kNone);
  std::vector<std::vector<Posting>> postings;
  std::vector<uint32_t> live_df;
  std::vector<uint8_t> is_concept;
  for (auto it = term_ids_.begin(); it != term_ids_.end();) {
    const uint32_t old_id = it->second;
    if (live_df_[old_id] == 0) {
      it = term_ids_.erase(it);
      continue;
    }
    new_id[old_id] = static_cast<uint32_t>(postings.size());
    postings.push_back(std::move(postings_[old_id]));
    live_df.push_back(live_df_[old_id]);
    is_concept.push_back(is_concept_[old_id]);
    it->second = new_id[old_id];
    ++it;
  }
  postings_ = std::move(postings);
  live_df_ = std::move(live_df);
  is_concept_ = std::move(is_concept);
  for (uint32_t slot = 0; slot < docs_.size(); ++slot) {
    for (TermCount& term : terms_.Range(docs_[slot].offset, docs_[slot].count)) {
      term.id = new_id[term.id];
    }
  }
}

}  // namespace memoryd
