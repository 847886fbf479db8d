// Bm25Index: saving to and loading from an index file payload.
//
// Payload (little-endian): u32 format | u64 term count | per term: u32 length, bytes |
// u64 slot count | per slot, in order: u64 label, u32 length (0xFFFFFFFF for a removed document),
// u32 term count, term ids (u32 each), term frequencies (u16 each) | f64 adjacent overlap |
// f64 random overlap | u64 overlap pairs.
// Removed documents keep their slots, so the loaded index is an exact replica: the same slots,
// and hence the same future context statistics and compactions as the saved one.
// A large index loads on two threads: the term dictionary is built while the documents are read
// (they name terms by id only), and the postings are laid out in two halves of the term ids.
#include <algorithm>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "index/keyword_index.h"

namespace memoryd {
namespace {

constexpr uint32_t kPayloadFormat = 1;
// Below these sizes a second thread costs more than it saves.
constexpr size_t kParallelTerms = 20000;
constexpr uint64_t kParallelPostings = 200000;

// Runs `task` on a second thread when `parallel`, else at once; joins when the scope ends, also
// on an early return. `task` must not throw.
class SideTask {
 public:
  SideTask(bool parallel, const std::function<void()>& task) {
    if (parallel) {
      thread_ = std::thread(task);
    } else {
      task();
    }
  }
  ~SideTask() {
    if (thread_.joinable()) thread_.join();
  }
  SideTask(const SideTask&) = delete;
  SideTask& operator=(const SideTask&) = delete;

 private:
  std::thread thread_;
};

Status Inconsistent(const std::string& why) {
  return Status::Internal("saved keyword index is inconsistent: " + why);
}

// Rejects a count that cannot fit in what is left of the payload (each item needs at least
// `min_bytes`), so a damaged count never drives a huge allocation.
Status CheckCount(const IndexFileReader& in, uint64_t count, uint64_t min_bytes) {
  if (count > in.remaining() / min_bytes) return Inconsistent("count exceeds the payload");
  return Status::Ok();
}

}  // namespace

void Bm25Index::SaveTo(PayloadBuffer* out) const {
  std::shared_lock lock(mu_);
  std::vector<const std::string*> terms(postings_.size(), nullptr);
  for (const auto& [term, id] : term_ids_) terms[id] = &term;
  out->AppendPod(kPayloadFormat);
  out->AppendPod(static_cast<uint64_t>(terms.size()));
  for (const std::string* term : terms) {
    out->AppendPod(static_cast<uint32_t>(term->size()));
    out->Append(term->data(), term->size());
  }
  out->AppendPod(static_cast<uint64_t>(docs_.size()));
  std::vector<uint32_t> ids;
  std::vector<uint16_t> tfs;
  for (uint32_t slot = 0; slot < docs_.size(); ++slot) {
    const Document& doc = docs_[slot];
    ids.clear();
    tfs.clear();
    for (const TermCount& t : TermsOf(slot)) {
      ids.push_back(t.id);
      tfs.push_back(t.tf);
    }
    out->AppendPod(labels_[slot]);
    out->AppendPod(live_[slot] != 0 ? doc.length : kNone);
    out->AppendPod(static_cast<uint32_t>(ids.size()));
    out->Append(ids.data(), ids.size() * sizeof(uint32_t));
    out->Append(tfs.data(), tfs.size() * sizeof(uint16_t));
  }
  out->AppendPod(adjacent_overlap_);
  out->AppendPod(random_overlap_);
  out->AppendPod(overlap_pairs_);
}

Result<std::unique_ptr<Bm25Index>> Bm25Index::LoadFrom(
    IndexFileReader* in, std::shared_ptr<const text::TextAnalyzer> analyzer, Bm25Options options) {
  uint32_t format = 0;
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&format));
  if (format != kPayloadFormat) return Inconsistent("unknown format " + std::to_string(format));
  auto index = std::make_unique<Bm25Index>(std::move(analyzer), options);
  try {
    std::vector<std::string> terms;
    MEMORYD_RETURN_IF_ERROR(index->ReadTerms(in, &terms));
    Status interned = Status::Ok();
    {
      SideTask intern(terms.size() >= kParallelTerms, [&] {
        try {
          interned = index->InternLoadedTerms(std::move(terms));
        } catch (const std::bad_alloc&) {
          interned = Status::Internal("out of memory loading a keyword index");
        }
      });
      MEMORYD_RETURN_IF_ERROR(index->ReadDocuments(in));
    }
    MEMORYD_RETURN_IF_ERROR(interned);
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory loading a keyword index");
  }
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&index->adjacent_overlap_));
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&index->random_overlap_));
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&index->overlap_pairs_));
  MEMORYD_RETURN_IF_ERROR(in->ExpectEnd());
  index->LinkAllInLabelOrder();
  return index;
}

// Reads the term strings (ids are their positions) and sizes the per-term arrays for them.
Status Bm25Index::ReadTerms(IndexFileReader* in, std::vector<std::string>* terms) {
  uint64_t count = 0;
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&count));
  MEMORYD_RETURN_IF_ERROR(CheckCount(*in, count, sizeof(uint32_t)));
  if (count >= kNone) return Inconsistent("too many terms");
  terms->resize(count);
  postings_.resize(count);
  live_df_.assign(count, 0);
  is_concept_.assign(count, 0);
  for (uint64_t id = 0; id < count; ++id) {
    std::string& term = (*terms)[id];
    uint32_t length = 0;
    MEMORYD_RETURN_IF_ERROR(in->ReadPod(&length));
    MEMORYD_RETURN_IF_ERROR(CheckCount(*in, length, 1));
    term.resize(length);
    MEMORYD_RETURN_IF_ERROR(in->Read(term.data(), length));
    is_concept_[id] = !term.empty() && term[0] == '#' ? 1 : 0;
  }
  return Status::Ok();
}

// Builds the dictionary of the terms ReadTerms read. Touches term_ids_ only, so it may run beside
// ReadDocuments.
Status Bm25Index::InternLoadedTerms(std::vector<std::string> terms) {
  term_ids_.reserve(terms.size());
  for (size_t id = 0; id < terms.size(); ++id) {
    if (!term_ids_.try_emplace(std::move(terms[id]), static_cast<uint32_t>(id)).second) {
      return Inconsistent("duplicate term");
    }
  }
  return Status::Ok();
}

// Reads every document first, counting each term's documents, then lays out the postings with
// each list allocated at its final size: no list is copied as it grows, and none keeps the slack
// that growing by doubling leaves.
Status Bm25Index::ReadDocuments(IndexFileReader* in) {
  uint64_t count = 0;
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&count));
  constexpr uint64_t kMinDocumentBytes = 8 + 4 + 4;
  MEMORYD_RETURN_IF_ERROR(CheckCount(*in, count, kMinDocumentBytes));
  if (count >= kNone) return Inconsistent("too many documents");
  docs_.reserve(count);
  labels_.reserve(count);
  live_.reserve(count);
  // Every term entry takes at least 6 bytes of the payload: room for all of them, of which only
  // what is used becomes resident (TermPool reserves address space).
  terms_.Reserve(in->remaining() / (sizeof(uint32_t) + sizeof(uint16_t)));
  LoadScratch scratch;
  scratch.last_slot.assign(postings_.size(), kNone);
  for (uint32_t slot = 0; slot < count; ++slot) {
    MEMORYD_RETURN_IF_ERROR(ReadDocument(in, slot, &scratch));
  }
  links_.assign(docs_.size(), Links{});
  uint64_t total = 0;
  for (size_t id = 0; id < postings_.size(); ++id) {
    postings_[id].reserve(live_df_[id]);
    total += live_df_[id];
  }
  // Two halves of the postings (by term id), each filled in slot order; push_back cannot
  // allocate now.
  uint32_t middle = 0;
  for (uint64_t below = 0; middle < postings_.size() && below * 2 < total; ++middle) {
    below += live_df_[middle];
  }
  SideTask upper(total >= kParallelPostings,
                 [&] { FillPostings(middle, static_cast<uint32_t>(postings_.size())); });
  FillPostings(0, middle);
  return Status::Ok();
}

// Appends the postings of term ids in [first, end) from the documents, in slot order.
void Bm25Index::FillPostings(uint32_t first, uint32_t end) {
  for (uint32_t slot = 0; slot < docs_.size(); ++slot) {
    if (live_[slot] == 0) continue;
    const auto length16 = static_cast<uint16_t>(
        std::min<uint32_t>(docs_[slot].length, std::numeric_limits<uint16_t>::max()));
    for (const TermCount& term : TermsOf(slot)) {
      if (term.id >= first && term.id < end) {
        postings_[term.id].push_back({slot, term.tf, length16});
      }
    }
  }
}

// Reads the document of `slot` into the per-slot arrays and counts its terms in live_df_.
Status Bm25Index::ReadDocument(IndexFileReader* in, uint32_t slot, LoadScratch* scratch) {
  uint64_t label = 0;
  Document doc;
  uint32_t terms = 0;
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&label));
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&doc.length));
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&terms));
  MEMORYD_RETURN_IF_ERROR(CheckCount(*in, terms, sizeof(uint32_t) + sizeof(uint16_t)));
  labels_.push_back(label);
  if (doc.length == kNone) {  // a removed document
    if (terms != 0) return Inconsistent("removed document with terms");
    docs_.emplace_back();
    live_.push_back(0);
    ++dead_slots_;
    return Status::Ok();
  }
  // Slots are saved in write order, mostly label order: the hint makes those inserts O(1).
  const size_t before = slot_of_.size();
  slot_of_.emplace_hint(slot_of_.end(), label, slot);
  if (slot_of_.size() == before) return Inconsistent("duplicate label");
  std::vector<uint32_t>& ids = scratch->ids;
  std::vector<uint16_t>& tfs = scratch->tfs;
  ids.resize(terms);
  tfs.resize(terms);
  MEMORYD_RETURN_IF_ERROR(in->Read(ids.data(), terms * sizeof(uint32_t)));
  MEMORYD_RETURN_IF_ERROR(in->Read(tfs.data(), terms * sizeof(uint16_t)));
  for (uint32_t i = 0; i < terms; ++i) {
    if (ids[i] >= postings_.size()) return Inconsistent("term id out of range");
    if (tfs[i] == 0) return Inconsistent("term frequency 0");
    if (scratch->last_slot[ids[i]] == slot) return Inconsistent("term listed twice in a document");
    scratch->last_slot[ids[i]] = slot;
    ++live_df_[ids[i]];
  }
  doc.offset = terms_.size();
  doc.count = terms;
  const std::span<TermCount> stored = terms_.Extend(terms);
  for (uint32_t i = 0; i < terms; ++i) stored[i] = {ids[i], tfs[i]};
  total_length_ += doc.length;
  docs_.push_back(doc);
  live_.push_back(1);
  return Status::Ok();
}

void Bm25Index::LinkAllInLabelOrder() {
  uint32_t previous = kNone;
  for (const auto& [label, slot] : slot_of_) {
    links_[slot].previous = previous;
    if (previous != kNone) links_[previous].next = slot;
    previous = slot;
  }
}

}  // namespace memoryd
