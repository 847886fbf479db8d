// HnswVectorIndex: approximate nearest-neighbour search on an HNSW graph (hnswlib), inner product
// on unit vectors, so similarity = cosine.
//
// The graph holds int8 codes of the vectors (vector_index_math.h: a quarter of the bytes, so the
// memory-bound graph walk and inserts run faster); the exact float vectors are kept beside it.
// A search walks the graph with the query's code, keeping the ef_search best candidates, then
// re-scores the best of them by code (a quarter more than asked for, plus a few) with the exact
// vectors: the similarities returned are exact, and the codes' small error (about 1e-3) can only
// matter for which candidates the walk finds and which few near the cut-off get re-scored.
//
// Capacity grows automatically (doubling). Remove() marks the label's slot deleted; the slot is
// reused by the next new label, and re-adding a removed or existing label stores its new vector
// (the graph links of that slot are repaired), so the graph does not grow with churn.
// Filtered searches over-fetch from the graph and fall back to an exact scan when the filter
// admits too few labels, so a selective filter still gets its true best matches.
//
// Thread-safety: as VectorIndex. One IndexRwLock (writer-preferring) guards the graph. Searches
// take it shared and run in parallel, with their own walk of the graph (GraphWalk: hnswlib's
// search, reading every link list under its node's lock). Add, Remove, growing the graph and
// the part of a batch that rewrites existing slots take it exclusively; the new labels of an
// AddBatch are inserted under the shared lock, by several threads at once, beside searches
// (hnswlib's inserts lock each list they change), so a search never waits for graph
// construction, only for a resize or a rewrite.
//
// Only hnsw_vector_index.cc may include <hnswlib/hnswlib.h> in the library: hnswlib 0.6.2 defines
// non-inline functions in that header, so a second including file breaks the link.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>  // std::shared_lock
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/index_file.h"
#include "index/vector_index.h"
#include "index/vector_index_lock.h"

namespace memoryd {

// Defaults measured with bench/vector_search.cc and bench/semantic_search.cc (recall@10 against
// brute force, 50k-100k vectors of the built-in embedder, 384 dimensions; docs/BENCHMARKS.md).
// The built-in embedder's hashed features make vectors of high intrinsic dimension, where more
// links per node buy more recall per unit of search time than a larger ef: at 50k, m=32 with
// ef=100 finds 0.945 of the true top 10 in the time m=16 needs for 0.92 at ef=200.
struct HnswOptions {
  // Links per node on upper layers (2*m on the bottom layer). Higher: better recall, more memory
  // (8*m bytes per vector) and slower inserts.
  size_t m = 32;
  // Candidate list size while inserting. Higher: better graph, slower inserts.
  size_t ef_construction = 200;
  // Candidate list size while searching (at least k is used). Higher: better recall, slower.
  size_t ef_search = 100;
  // Slots allocated up front; the index doubles its capacity when full.
  size_t initial_capacity = 128;
  // Seed of the level generator, for reproducible graphs.
  uint64_t random_seed = 100;
};

class HnswVectorIndex final : public VectorIndex {
 public:
  // Returns kInvalidArgument when dimension is outside [1, 65536] or an option is 0 / m > 1024;
  // kInternal when memory runs out.
  static Result<std::unique_ptr<HnswVectorIndex>> Create(int dimension,
                                                         const HnswOptions& options = {});

  // Loads a file written by Save(). The graph parameters come from the file; `ef_search`, when
  // non-zero, overrides the saved one. Errors as LoadVectorIndex(); kConflict also when the file
  // holds another kind of index.
  static Result<std::unique_ptr<HnswVectorIndex>> Load(const std::string& path,
                                                       std::string_view expected_embedder_name,
                                                       int expected_dimension,
                                                       size_t ef_search = 0);
  // Builds an index from an opened, verified file whose header says kHnsw.
  // Returns kInternal when the payload is inconsistent or memory runs out.
  static Result<std::unique_ptr<HnswVectorIndex>> ReadFrom(IndexFileReader* reader);

  ~HnswVectorIndex() override;

  Status Add(uint64_t label, const Vector& vector) override;
  // New labels are inserted on every thread of `run` at once, beside searches (hnswlib's inserts
  // are safe against each other, and GraphWalk reads what they change under the same locks);
  // labels that replace a vector or take a removed label's slot are inserted first, on this
  // thread, with searches held off.
  Status AddBatch(std::span<const LabeledVector> items, const ParallelRun& run) override;
  Status Remove(uint64_t label) override;
  Result<std::vector<VectorHit>> Search(const Vector& query, size_t k,
                                        const LabelFilter& filter = {}) const override;
  std::vector<float> SampleSimilarities(const Vector& query, size_t n) const override;
  bool Contains(uint64_t label) const override;
  size_t Size() const override;
  int Dimension() const override { return dimension_; }
  Status Save(const std::string& path, std::string_view embedder_name) const override;

  // Changes the search candidate list size (0 is treated as 1). Never fails.
  void SetEfSearch(size_t ef_search);
  // The candidate list a search of a graph of `vectors` walks with for `ef_search`: ef_search up
  // to kEfScaleFrom vectors, then half as much again for every doubling (twice ef_search at four
  // times kEfScaleFrom). A graph's recall at a fixed ef falls as it grows (its walk has more
  // layers of near misses to get past); this keeps recall@10 at about 0.95 or more at a million
  // vectors of the built-in embedder, at twice the walk of 250,000. Never fails.
  static size_t EffectiveEf(size_t ef_search, size_t vectors);
  static constexpr size_t kEfScaleFrom = 250000;
  // The options in force (graph parameters as built or loaded). Never fails.
  HnswOptions options() const;

 private:
  struct Graph;  // hnswlib objects; defined in the .cc so this header stays hnswlib-free

 public:
  // Use Create(), Load() or ReadFrom(); Graph is private, so only they can build one.
  HnswVectorIndex(int dimension, const HnswOptions& options, std::unique_ptr<Graph> graph);

 private:
  static Result<std::unique_ptr<HnswVectorIndex>> ReadFromUnguarded(IndexFileReader* reader);
  Status AddLocked(uint64_t label, const Vector& unit);
  void InsertInParallel(const std::vector<const Vector*>& units,
                        const std::vector<uint64_t>& labels, const ParallelRun& run);
  std::vector<VectorHit> GraphSearch(const Vector& unit, size_t fetch,
                                     const LabelFilter& filter) const;
  std::vector<std::pair<float, uint32_t>> GraphWalk(const char* code, size_t ef) const;
  void ReadLinks(uint32_t slot, int level, std::vector<uint32_t>* out) const;
  std::vector<VectorHit> ExactSearch(const Vector& unit, size_t k, const LabelFilter& filter) const;
  std::vector<VectorHit> FilteredSearch(const Vector& unit, size_t k,
                                        const LabelFilter& filter) const;
  void WritePayload(PayloadBuffer* payload) const;  // may throw std::bad_alloc
  Status ReadPayload(IndexFileReader* reader, size_t slots);
  Status ValidateAndIndexLabels(uint64_t expected_live);

  const int dimension_;
  // Writers (Add, AddBatch, Remove) one at a time; Size, Contains and Save also hold it, as they
  // read what a batch changes beside searches. Lock order: insert_mu_, then mu_.
  mutable std::mutex insert_mu_;
  mutable IndexRwLock mu_;
  HnswOptions options_;
  std::unique_ptr<Graph> graph_;
  std::vector<uint32_t> free_slots_;  // slots of removed labels, reused by new labels
  std::atomic<size_t> live_{0};       // labels with a vector (Size), kept by the writers
};

}  // namespace memoryd
