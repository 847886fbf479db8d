// SpaceIndex: the search indexes of one space: BM25 over the memories' text, HNSW over their
// embeddings, and the expiry times that hide a memory from results the moment it expires.
//
// Labels are the store's memory sequence numbers. The vector index is created at the first
// vector, with its dimension (or given when loaded from disk).
//
// Thread-safety: every method may be called concurrently. The indexes lock themselves; the expiry
// table has its own lock. The keyword half of one label is changed by one thread at a time (the
// engine's feed follower), and so is the vector half (its vector builder).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "index/hnsw_vector_index.h"
#include "index/keyword_index.h"
#include "model/memory.h"
#include "search/fusion.h"
#include "search/recent_vectors.h"
#include "search/side_runner.h"

namespace memoryd {

struct SpaceSearch {
  std::string_view query;
  const Vector* query_vector = nullptr;  // null or empty: keyword only
  size_t k = 10;
  size_t candidates = 100;                                // taken from the keyword index
  size_t vector_candidates = 40;                          // taken from the vector index
  const std::unordered_set<uint64_t>* allowed = nullptr;  // null: every memory
  int64_t now = 0;
  FusionOptions fusion;
  SideRunner* runner = nullptr;  // when set, the vector search runs beside the keyword search
  // The feed version the graph holds; recent vectors written after it are scanned exactly.
  int64_t graph_version = 0;
  // The graph is behind the keyword index: it may still hold memories deleted since.
  bool graph_behind = false;
};

class SpaceIndex {
 public:
  // Vectors kept per space for memories the graph does not hold yet (recent_vectors.h).
  static constexpr size_t kRecentVectors = 4096;

  SpaceIndex(std::shared_ptr<const text::TextAnalyzer> analyzer, const Bm25Options& bm25,
             const HnswOptions& hnsw, std::unique_ptr<VectorIndex> vectors);

  // A space whose keyword half (documents and expiry times) is read from `text_path`, written by
  // SaveText under the same analyzer fingerprint, with `vectors` (may be null) as its vector
  // index. kNotFound when there is no file; kConflict when it was saved under another analysis;
  // kInternal when it is corrupt.
  static Result<std::shared_ptr<SpaceIndex>> Load(
      const std::string& text_path, std::shared_ptr<const text::TextAnalyzer> analyzer,
      const Bm25Options& bm25, const HnswOptions& hnsw, std::unique_ptr<VectorIndex> vectors);
  // Writes the keyword half to `text_path` atomically. kInternal on I/O failure.
  Status SaveText(const std::string& text_path) const;

  // The text the keyword index sees for a memory: key, title and text.
  static std::string IndexText(const std::optional<std::string>& key, const std::string& title,
                               const std::string& text);

  // The keyword half: the memory's document and expiry time. Never fails with the in-memory BM25.
  Status UpsertText(const IndexRecord& record);
  // The keyword half of a memory written after the graph's version: UpsertText, and its vector
  // (when `usable`) kept in the recent table until the graph holds it.
  Status UpsertWritten(const IndexRecord& record, bool usable);
  // Removes the memory's keyword document, expiry time and recent vector (deleted at `version`).
  void RemoveText(uint64_t label, int64_t version);

  // The vector half, applied by the vector builder. Adds the batch to the graph (created at the
  // first vector, with its dimension); a vector of another dimension than the graph's (the model
  // behind the embedder changed) is not indexed: the memory is found by words. kInternal when
  // the graph cannot be created or updated.
  Status AddVectors(std::span<const LabeledVector> batch, const ParallelRun& run);
  void RemoveVector(uint64_t label);
  // Recent vectors written at or before `version` are in the graph now.
  void ForgetRecentThrough(int64_t version) { recent_.ForgetThrough(version); }
  // Adopts a vector index (loaded from disk, or handed over from the space this one replaces:
  // then `dirty`, so the next save writes it), unless the space already has one (then it is
  // dropped). Never fails.
  void AttachVectors(std::unique_ptr<VectorIndex> vectors, bool dirty = false);
  // Drops the graph (it is rebuilt from the store's embeddings).
  void ResetVectors();
  // Hands the graph over (to the space that replaces this one); null when there is none.
  std::unique_ptr<VectorIndex> TakeVectors();

  std::vector<ScoredHit> Search(const SpaceSearch& request) const;

  size_t Size() const { return keyword_->Size(); }
  // The vector index, or null when no vector has been added yet.
  const VectorIndex* vectors() const;
  // Whether each half changed since it was last saved (or loaded).
  bool vectors_dirty() const { return vectors_dirty_.load(); }
  bool text_dirty() const { return text_dirty_.load(); }
  void MarkVectorsClean() { vectors_dirty_ = false; }
  void MarkTextClean() { text_dirty_ = false; }

 private:
  bool Visible(uint64_t label, const SpaceSearch& request) const;
  Status EnsureVectors(int dimension);
  std::vector<VectorHit> SearchVectors(const SpaceSearch& request, const LabelFilter& filter,
                                       float* cosine_floor) const;

  std::unique_ptr<Bm25Index> keyword_;
  const HnswOptions hnsw_;
  mutable std::shared_mutex mu_;  // guards vectors_ (the pointer) and expiry_
  std::unique_ptr<VectorIndex> vectors_;
  std::unordered_map<uint64_t, int64_t> expiry_;
  RecentVectors recent_{kRecentVectors};
  const std::shared_ptr<const text::TextAnalyzer> analyzer_;
  std::atomic<bool> vectors_dirty_{false};
  std::atomic<bool> text_dirty_{false};
};

}  // namespace memoryd
