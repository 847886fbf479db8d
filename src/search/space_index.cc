#include "search/space_index.h"

#include <mutex>

#include "index/vector_index_math.h"

namespace memoryd {

SpaceIndex::SpaceIndex(std::shared_ptr<const text::TextAnalyzer> analyzer, const Bm25Options& bm25,
                       const HnswOptions& hnsw, std::unique_ptr<VectorIndex> vectors)
    : keyword_(std::make_unique<Bm25Index>(analyzer, bm25)),
      hnsw_(hnsw),
      vectors_(std::move(vectors)),
      analyzer_(std::move(analyzer)) {}

// Keyword file payload: u64 expiry count | per entry: u64 label, i64 expiry time (ms) |
// the Bm25Index payload. The header's embedder name holds the analyzer fingerprint.
Result<std::shared_ptr<SpaceIndex>> SpaceIndex::Load(
    const std::string& text_path, std::shared_ptr<const text::TextAnalyzer> analyzer,
    const Bm25Options& bm25, const HnswOptions& hnsw, std::unique_ptr<VectorIndex> vectors) {
  MEMORYD_ASSIGN_OR_RETURN(auto reader, IndexFileReader::Open(text_path));
  const IndexFileHeader& header = reader->header();
  if (header.kind != IndexKind::kKeyword) {
    return Status::Conflict(text_path + " holds another kind of index");
  }
  if (header.embedder_name != analyzer->Fingerprint()) {
    return Status::Conflict(text_path + " was saved under another text analysis");
  }
  auto space = std::make_shared<SpaceIndex>(analyzer, bm25, hnsw, std::move(vectors));
  uint64_t expiring = 0;
  MEMORYD_RETURN_IF_ERROR(reader->ReadPod(&expiring));
  if (expiring > reader->remaining() / 16) {
    return Status::Internal(text_path + ": expiry count exceeds the file");
  }
  for (uint64_t i = 0; i < expiring; ++i) {
    uint64_t label = 0;
    int64_t at = 0;
    MEMORYD_RETURN_IF_ERROR(reader->ReadPod(&label));
    MEMORYD_RETURN_IF_ERROR(reader->ReadPod(&at));
    space->expiry_[label] = at;
  }
  MEMORYD_ASSIGN_OR_RETURN(space->keyword_,
                           Bm25Index::LoadFrom(reader.get(), std::move(analyzer), bm25));
  return space;
}

Status SpaceIndex::SaveText(const std::string& text_path) const {
  PayloadBuffer payload;
  IndexFileHeader header;
  header.kind = IndexKind::kKeyword;
  header.embedder_name = analyzer_->Fingerprint();
  try {
    std::shared_lock lock(mu_);
    payload.AppendPod(static_cast<uint64_t>(expiry_.size()));
    for (const auto& [label, at] : expiry_) {
      payload.AppendPod(label);
      payload.AppendPod(at);
    }
    lock.unlock();
    keyword_->SaveTo(&payload);
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory saving a keyword index");
  }
  header.count = keyword_->Size();
  return WriteIndexFile(text_path, header, payload);
}

std::string SpaceIndex::IndexText(const std::optional<std::string>& key, const std::string& title,
                                  const std::string& text) {
  std::string out;
  if (key) out += *key + "\n";
  if (!title.empty()) out += title + "\n";
  out += text;
  return out;
}

Status SpaceIndex::UpsertText(const IndexRecord& record) {
  const auto label = static_cast<uint64_t>(record.seq);
  MEMORYD_RETURN_IF_ERROR(keyword_->Add(label, IndexText(record.key, record.title, record.text)));
  text_dirty_ = true;
  std::unique_lock lock(mu_);
  if (record.expires_at) {
    expiry_[label] = *record.expires_at;
  } else {
    expiry_.erase(label);
  }
  return Status::Ok();
}

Status SpaceIndex::UpsertWritten(const IndexRecord& record, bool usable) {
  MEMORYD_RETURN_IF_ERROR(UpsertText(record));
  const auto label = static_cast<uint64_t>(record.seq);
  if (usable) {
    recent_.Put(label, record.version, record.embedding);
  } else {
    recent_.Forget(label, record.version);
  }
  return Status::Ok();
}

void SpaceIndex::RemoveText(uint64_t label, int64_t version) {
  // kNotFound: never indexed (e.g. written and deleted at once)
  if (keyword_->Remove(label).ok()) text_dirty_ = true;
  recent_.Forget(label, version);
  std::unique_lock lock(mu_);
  expiry_.erase(label);
}

Status SpaceIndex::AddVectors(std::span<const LabeledVector> batch, const ParallelRun& run) {
  if (batch.empty()) return Status::Ok();
  VectorIndex* vectors = nullptr;
  {
    // Searches hold mu_ shared throughout; take it exclusively only to create the graph.
    std::shared_lock lock(mu_);
    vectors = vectors_.get();
  }
  if (vectors == nullptr) {
    std::unique_lock lock(mu_);
    MEMORYD_RETURN_IF_ERROR(EnsureVectors(static_cast<int>(batch.front().vector->size())));
    vectors = vectors_.get();
  }
  vectors_dirty_ = true;
  const auto dimension = static_cast<size_t>(vectors->Dimension());
  std::vector<LabeledVector> fitting;
  fitting.reserve(batch.size());
  for (const LabeledVector& item : batch) {
    if (item.vector->size() == dimension) {
      fitting.push_back(item);
    } else {
      (void)vectors->Remove(item.label);  // kNotFound: it had none
    }
  }
  return vectors->AddBatch(fitting, run);
}

void SpaceIndex::RemoveVector(uint64_t label) {
  VectorIndex* vectors = nullptr;
  {
    std::shared_lock lock(mu_);
    vectors = vectors_.get();
  }
  if (vectors != nullptr && vectors->Remove(label).ok()) vectors_dirty_ = true;
}

void SpaceIndex::ResetVectors() {
  std::unique_lock lock(mu_);
  vectors_.reset();
  vectors_dirty_ = true;
}

std::unique_ptr<VectorIndex> SpaceIndex::TakeVectors() {
  std::unique_lock lock(mu_);
  return std::move(vectors_);
}

Status SpaceIndex::EnsureVectors(int dimension) {
  if (vectors_) return Status::Ok();
  MEMORYD_ASSIGN_OR_RETURN(auto created, HnswVectorIndex::Create(dimension, hnsw_));
  vectors_ = std::move(created);
  return Status::Ok();
}

void SpaceIndex::AttachVectors(std::unique_ptr<VectorIndex> vectors, bool dirty) {
  std::unique_lock lock(mu_);
  if (vectors_ || !vectors) return;
  vectors_ = std::move(vectors);
  if (dirty) vectors_dirty_ = true;
}

const VectorIndex* SpaceIndex::vectors() const {
  std::shared_lock lock(mu_);
  return vectors_.get();
}

bool SpaceIndex::Visible(uint64_t label, const SpaceSearch& request) const {
  if (request.allowed != nullptr && !request.allowed->contains(label)) return false;
  auto it = expiry_.find(label);
  return it == expiry_.end() || it->second > request.now;
}

// The graph's nearest neighbours merged with an exact scan of the recent vectors it does not hold
// yet (a recent vector replaces the graph's older one of the same label), best first; sets
// `cosine_floor` from the graph's sample. REQUIRES: mu_ held shared.
std::vector<VectorHit> SpaceIndex::SearchVectors(const SpaceSearch& request,
                                                 const LabelFilter& filter,
                                                 float* cosine_floor) const {
  const Vector& query = *request.query_vector;
  std::vector<VectorHit> hits =
      recent_.Search(query, request.vector_candidates, request.graph_version, filter);
  if (vectors_) {
    auto found = vectors_->Search(query, request.vector_candidates, filter);
    if (found.ok()) {
      for (const VectorHit& hit : *found) {
        if (recent_.Holds(hit.label, request.graph_version)) continue;
        // Deleted since the graph's version: the keyword index no longer has it.
        if (request.graph_behind && !keyword_->Contains(hit.label)) continue;
        hits.push_back(hit);
      }
    }
    *cosine_floor =
        ObservedCosineFloor(vectors_->SampleSimilarities(query, kFloorSamples), *cosine_floor);
  }
  SortHits(&hits);
  // A label the recent table dropped between its scan and Holds() may come from both.
  std::unordered_set<uint64_t> seen;
  std::erase_if(hits, [&](const VectorHit& hit) { return !seen.insert(hit.label).second; });
  if (hits.size() > request.vector_candidates) hits.resize(request.vector_candidates);
  return hits;
}

std::vector<ScoredHit> SpaceIndex::Search(const SpaceSearch& request) const {
  // The expiry table is read inside the filters, under this shared lock; writers of it wait.
  std::shared_lock lock(mu_);
  const bool filtered = request.allowed != nullptr || !expiry_.empty();
  const auto visible = [&](uint64_t label) { return Visible(label, request); };
  KeywordIndex::Filter keyword_filter;
  LabelFilter vector_filter;
  if (filtered) {
    keyword_filter = visible;
    vector_filter = visible;
  }
  std::vector<KeywordHit> keyword_hits;
  std::vector<VectorHit> vector_hits;
  FusionOptions fusion = request.fusion;
  const bool has_vectors = vectors_ || recent_.Size() > 0;
  const auto keyword_search = [&] {
    keyword_hits = keyword_->Search(request.query, request.candidates, keyword_filter);
  };
  const auto vector_search = [&] {
    if (!has_vectors || request.query_vector == nullptr || request.query_vector->empty()) return;
    vector_hits = SearchVectors(request, vector_filter, &fusion.cosine_floor);
  };
  if (request.runner != nullptr && has_vectors) {
    request.runner->RunBoth(vector_search, keyword_search);
  } else {
    keyword_search();
    vector_search();
  }
  fusion.limit = request.k;
  return FuseScores(keyword_hits, vector_hits, fusion);
}

}  // namespace memoryd
