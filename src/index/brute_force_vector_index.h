// BruteForceVectorIndex: exact nearest-neighbour search by scanning every vector.
//
// The oracle that tests and benchmarks hold the approximate HnswVectorIndex against; also a sound
// choice for very small spaces. Search costs O(size * dimension).
//
// Thread-safety: as VectorIndex. One IndexRwLock (writer-preferring) guards the rows: searches,
// Contains, Size and Save share it; Add and Remove take it exclusively.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>  // std::shared_lock
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/index_file.h"
#include "index/vector_index.h"
#include "index/vector_index_lock.h"

namespace memoryd {

class BruteForceVectorIndex final : public VectorIndex {
 public:
  // REQUIRES: 0 < dimension <= 65536 (a programmer error otherwise; it comes from the embedder).
  explicit BruteForceVectorIndex(int dimension);

  // Loads a file written by Save(). Errors as LoadVectorIndex(); kConflict also when the file
  // holds another kind of index.
  static Result<std::unique_ptr<BruteForceVectorIndex>> Load(
      const std::string& path, std::string_view expected_embedder_name, int expected_dimension);
  // Builds an index from an opened, verified file whose header says kBruteForce.
  // Returns kInternal when the payload is inconsistent.
  static Result<std::unique_ptr<BruteForceVectorIndex>> ReadFrom(IndexFileReader* reader);

  Status Add(uint64_t label, const Vector& vector) override;
  Status Remove(uint64_t label) override;
  Result<std::vector<VectorHit>> Search(const Vector& query, size_t k,
                                        const LabelFilter& filter = {}) const override;
  std::vector<float> SampleSimilarities(const Vector& query, size_t n) const override;
  bool Contains(uint64_t label) const override;
  size_t Size() const override;
  int Dimension() const override { return dimension_; }
  Status Save(const std::string& path, std::string_view embedder_name) const override;

 private:
  static Result<std::unique_ptr<BruteForceVectorIndex>> ReadFromUnguarded(IndexFileReader* reader);
  float* Row(size_t row) { return data_.data() + row * dimension_; }
  const float* Row(size_t row) const { return data_.data() + row * dimension_; }

  const int dimension_;
  mutable IndexRwLock mu_;
  // Row i of data_ (dimension_ floats) is the unit vector of labels_[i]; rows_ maps back.
  std::vector<float> data_;
  std::vector<uint64_t> labels_;
  std::unordered_map<uint64_t, size_t> rows_;
};

}  // namespace memoryd
