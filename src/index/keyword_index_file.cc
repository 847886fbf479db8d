// Bm25Index: saving to and loading from an index file payload.
//
// Payload (little-endian): u32 format | u64 term count | per term: u32 length, bytes |
// u64 slot count | per slot, in order: u64 label, u32 length (0xFFFFFFFF for a removed document),
// u32 term count, term ids (u32 each), term frequencies (u16 each) | f64 adjacent overlap |
// f64 random overlap | u64 overlap pairs.
// Removed documents keep their slots, so the loaded index is an exact replica: the same slots,
// and hence the same future context statistics and compactions as the saved one.
#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>

#include "index/keyword_index.h"

namespace memoryd {
namespace {

constexpr uint32_t kPayloadFormat = 1;

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
    for (const TermCount& t : doc.terms) {
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
    MEMORYD_RETURN_IF_ERROR(index->ReadTerms(in));
    MEMORYD_RETURN_IF_ERROR(index->ReadDocuments(in));
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

Status Bm25Index::ReadTerms(IndexFileReader* in) {
  uint64_t count = 0;
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&count));
  MEMORYD_RETURN_IF_ERROR(CheckCount(*in, count, sizeof(uint32_t)));
  if (count >= kNone) return Inconsistent("too many terms");
  term_ids_.reserve(count);
  std::string term;
  for (uint64_t id = 0; id < count; ++id) {
    uint32_t length = 0;
    MEMORYD_RETURN_IF_ERROR(in->ReadPod(&length));
    MEMORYD_RETURN_IF_ERROR(CheckCount(*in, length, 1));
    term.resize(length);
    MEMORYD_RETURN_IF_ERROR(in->Read(term.data(), length));
    if (InternTerm(term) != id) return Inconsistent("duplicate term");
  }
  return Status::Ok();
}

Status Bm25Index::ReadDocuments(IndexFileReader* in) {
  uint64_t count = 0;
  MEMORYD_RETURN_IF_ERROR(in->ReadPod(&count));
  constexpr uint64_t kMinDocumentBytes = 8 + 4 + 4;
  MEMORYD_RETURN_IF_ERROR(CheckCount(*in, count, kMinDocumentBytes));
  if (count >= kNone) return Inconsistent("too many documents");
  docs_.reserve(count);
  labels_.reserve(count);
  live_.reserve(count);
  std::vector<uint32_t> ids;
  std::vector<uint16_t> tfs;
  std::vector<uint32_t> last_slot(postings_.size(), kNone);  // catches a term listed twice
  for (uint32_t slot = 0; slot < count; ++slot) {
    uint64_t label = 0;
    Document doc;
    uint32_t terms = 0;
    MEMORYD_RETURN_IF_ERROR(in->ReadPod(&label));
    MEMORYD_RETURN_IF_ERROR(in->ReadPod(&doc.length));
    MEMORYD_RETURN_IF_ERROR(in->ReadPod(&terms));
    MEMORYD_RETURN_IF_ERROR(CheckCount(*in, terms, sizeof(uint32_t) + sizeof(uint16_t)));
    ids.resize(terms);
    tfs.resize(terms);
    MEMORYD_RETURN_IF_ERROR(in->Read(ids.data(), terms * sizeof(uint32_t)));
    MEMORYD_RETURN_IF_ERROR(in->Read(tfs.data(), terms * sizeof(uint16_t)));
    labels_.push_back(label);
    if (doc.length == kNone) {  // a removed document
      if (terms != 0) return Inconsistent("removed document with terms");
      docs_.emplace_back();
      live_.push_back(0);
      ++dead_slots_;
      continue;
    }
    if (!slot_of_.emplace(label, slot).second) return Inconsistent("duplicate label");
    const auto length16 =
        static_cast<uint16_t>(std::min<uint32_t>(doc.length, std::numeric_limits<uint16_t>::max()));
    doc.terms.reserve(terms);
    for (uint32_t i = 0; i < terms; ++i) {
      if (ids[i] >= postings_.size()) return Inconsistent("term id out of range");
      if (tfs[i] == 0) return Inconsistent("term frequency 0");
      if (last_slot[ids[i]] == slot) return Inconsistent("term listed twice in a document");
      last_slot[ids[i]] = slot;
      postings_[ids[i]].push_back({slot, tfs[i], length16});
      ++live_df_[ids[i]];
      doc.terms.push_back({ids[i], tfs[i]});
    }
    total_length_ += doc.length;
    docs_.push_back(std::move(doc));
    live_.push_back(1);
  }
  links_.assign(docs_.size(), Links{});
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
