// VectorIndex: nearest-neighbour search over the embedding vectors of one space.
//
// One index holds the vectors of exactly one space, all of one dimension. A vector is addressed
// by a caller-chosen 64-bit label (the store's row id of the memory). Vectors are L2-normalised
// on the way in, so the similarity reported is the cosine similarity, in [-1, 1], best first.
//
// Implementations:
//   HnswVectorIndex        approximate (hnswlib HNSW graph); the one the server uses.
//   BruteForceVectorIndex  exact scan; the oracle for tests and fine for tiny spaces.
//
// Persistence: Save() writes a checksummed file (see index_file.h); LoadVectorIndex() reads a file
// written by either implementation. Any load failure means "rebuild this index from the store".
//
// Thread-safety: every method of every implementation is safe to call concurrently. Searches run
// in parallel with each other; Add and Remove are exclusive, and a waiting writer holds back new
// searches so writes are never starved. A search running while a vector is added sees the index
// either before or after that Add.
// The filter predicate is called from the searching thread while the index holds its read lock:
// it must not call back into the same index.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "model/vector.h"

namespace memoryd {

// One search result.
struct VectorHit {
  uint64_t label = 0;
  float similarity = 0.0f;  // cosine similarity in [-1, 1]; higher is closer
};

// Returns true for labels that may appear in results. An empty function admits every label.
using LabelFilter = std::function<bool(uint64_t label)>;

// One vector of a batch (AddBatch); `vector` must outlive the call.
struct LabeledVector {
  uint64_t label = 0;
  const Vector* vector = nullptr;
};

// Runs a task on several threads at once and returns when every copy has finished
// (SideRunner::RunEverywhere). Each copy takes its share of the work from a shared counter.
using ParallelRun = std::function<void(const std::function<void()>& task)>;

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  // Adds the vector under `label`, or replaces the vector of an existing label (also one that was
  // removed before). Returns kInvalidArgument when the dimension is wrong or the vector is zero or
  // not finite; kInternal when memory runs out (the index may then be inconsistent: rebuild it).
  virtual Status Add(uint64_t label, const Vector& vector) = 0;

  // Add for every item, with the index held once for the whole batch and, given `run`, the
  // inserts spread over its threads. When a label appears more than once, its last vector wins.
  // Errors as Add; on kInvalidArgument nothing was added.
  virtual Status AddBatch(std::span<const LabeledVector> items, const ParallelRun& run);

  // Removes the vector of `label`. Returns kNotFound when the label is not in the index.
  virtual Status Remove(uint64_t label) = 0;

  // Returns up to `k` labels admitted by `filter`, nearest first (ties broken by smaller label).
  // Fewer than `k` only when fewer admitted labels exist (an approximate index may, rarely, also
  // miss some). Returns kInvalidArgument on a wrong dimension or a zero / non-finite query.
  virtual Result<std::vector<VectorHit>> Search(const Vector& query, size_t k,
                                                const LabelFilter& filter = {}) const = 0;

  // Similarities of `query` to up to `n` stored vectors spread evenly over the index (the same
  // ones for the same contents), unordered: the space's own distribution of similarities, most
  // of them between unrelated texts, which calibrates what a cosine means (search/fusion.h).
  // Empty on a wrong dimension or a zero query. Never fails.
  virtual std::vector<float> SampleSimilarities(const Vector& query, size_t n) const = 0;

  // Whether `label` currently has a vector. Never fails.
  virtual bool Contains(uint64_t label) const = 0;

  // Number of labels currently in the index (removed ones excluded). Never fails.
  virtual size_t Size() const = 0;

  // Dimension of every vector in the index. Never fails.
  virtual int Dimension() const = 0;

  // Writes the whole index to `path` atomically (temporary file, fsync, rename), recording
  // `embedder_name` (Embedder::Name()) so a change of model is detected on load. The index is
  // copied in memory under the read lock (briefly needing as much memory again) and written
  // without holding it. Returns kInternal on any I/O failure or when memory runs out, leaving
  // `path` untouched.
  virtual Status Save(const std::string& path, std::string_view embedder_name) const = 0;
};

// Reads an index written by any implementation's Save(). Never throws, never crashes on a bad
// file. Returns kNotFound when `path` does not exist; kInternal when it is truncated, corrupt,
// of an unknown format version or unreadable; kConflict when it was built by another embedder
// than `expected_embedder_name` or has another dimension than `expected_dimension` (pass 0 to
// accept any). On any error the caller should rebuild the index from the store.
Result<std::unique_ptr<VectorIndex>> LoadVectorIndex(const std::string& path,
                                                     std::string_view expected_embedder_name,
                                                     int expected_dimension);

}  // namespace memoryd
