#include "index/brute_force_vector_index.h"

#include <algorithm>
#include <cassert>
#include <exception>
#include <mutex>
#include <string>

#include "index/vector_index_math.h"

namespace memoryd {

BruteForceVectorIndex::BruteForceVectorIndex(int dimension) : dimension_(dimension) {
  assert(dimension > 0 && dimension <= 65536);
}

Status BruteForceVectorIndex::Add(uint64_t label, const Vector& vector) {
  MEMORYD_ASSIGN_OR_RETURN(Vector unit, NormalizedForIndex(vector, dimension_));
  std::unique_lock lock(mu_);
  auto it = rows_.find(label);
  if (it != rows_.end()) {
    std::copy(unit.begin(), unit.end(), Row(it->second));
    return Status::Ok();
  }
  try {
    data_.insert(data_.end(), unit.begin(), unit.end());
    labels_.push_back(label);
    rows_.emplace(label, labels_.size() - 1);
  } catch (const std::exception& e) {  // std::bad_alloc: shrink back to the rows as they were
    labels_.resize(rows_.size());
    data_.resize(rows_.size() * dimension_);
    return Status::Internal(std::string("cannot add a vector: ") + e.what());
  }
  return Status::Ok();
}

Status BruteForceVectorIndex::Remove(uint64_t label) {
  std::unique_lock lock(mu_);
  auto it = rows_.find(label);
  if (it == rows_.end()) return Status::NotFound("label not in the index");
  // Move the last row into the hole so the rows stay dense.
  const size_t row = it->second;
  const size_t last = labels_.size() - 1;
  if (row != last) {
    std::copy(Row(last), Row(last) + dimension_, Row(row));
    labels_[row] = labels_[last];
    rows_[labels_[row]] = row;
  }
  rows_.erase(it);
  labels_.pop_back();
  data_.resize(last * dimension_);
  return Status::Ok();
}

Result<std::vector<VectorHit>> BruteForceVectorIndex::Search(const Vector& query, size_t k,
                                                             const LabelFilter& filter) const {
  MEMORYD_ASSIGN_OR_RETURN(Vector unit, NormalizedForIndex(query, dimension_));
  try {
    TopHits best(k);
    std::shared_lock lock(mu_);
    for (size_t row = 0; row < labels_.size(); ++row) {
      if (filter && !filter(labels_[row])) continue;
      best.Offer({labels_[row], ClampSimilarity(InnerProduct(unit.data(), Row(row), dimension_))});
    }
    return best.TakeSorted();
  } catch (const std::exception& e) {  // std::bad_alloc
    return Status::Internal(std::string("vector search failed: ") + e.what());
  }
}

std::vector<float> BruteForceVectorIndex::SampleSimilarities(const Vector& query, size_t n) const {
  std::vector<float> out;
  Result<Vector> unit = NormalizedForIndex(query, dimension_);
  if (!unit.ok() || n == 0) return out;
  std::shared_lock lock(mu_);
  const size_t rows = labels_.size();
  const size_t picks = std::min(n, rows);
  for (size_t i = 0; i < picks; ++i) {
    out.push_back(ClampSimilarity(InnerProduct(unit->data(), Row(i * rows / picks), dimension_)));
  }
  return out;
}

bool BruteForceVectorIndex::Contains(uint64_t label) const {
  std::shared_lock lock(mu_);
  return rows_.count(label) > 0;
}

size_t BruteForceVectorIndex::Size() const {
  std::shared_lock lock(mu_);
  return labels_.size();
}

// Payload: u64 n | n x u64 label | n x dimension x f32 unit vector. The payload is copied under
// the read lock and written after releasing it, so a slow disk never holds up searches.
Status BruteForceVectorIndex::Save(const std::string& path, std::string_view embedder_name) const {
  IndexFileHeader header{IndexKind::kBruteForce, static_cast<uint32_t>(dimension_), 0,
                         std::string(embedder_name)};
  PayloadBuffer payload;
  try {
    std::shared_lock lock(mu_);
    header.count = labels_.size();
    payload.Reserve(sizeof(uint64_t) + labels_.size() * sizeof(uint64_t) +
                    data_.size() * sizeof(float));
    payload.AppendPod(static_cast<uint64_t>(labels_.size()));
    payload.Append(labels_.data(), labels_.size() * sizeof(uint64_t));
    payload.Append(data_.data(), data_.size() * sizeof(float));
  } catch (const std::exception& e) {  // std::bad_alloc from the copy
    return Status::Internal(std::string("cannot save a vector index: ") + e.what());
  }
  return WriteIndexFile(path, header, payload);
}

Result<std::unique_ptr<BruteForceVectorIndex>> BruteForceVectorIndex::Load(
    const std::string& path, std::string_view expected_embedder_name, int expected_dimension) {
  MEMORYD_ASSIGN_OR_RETURN(auto reader, IndexFileReader::Open(path));
  MEMORYD_RETURN_IF_ERROR(CheckIndexFileHeader(reader->header(), path, expected_embedder_name,
                                               expected_dimension, IndexKind::kBruteForce));
  return ReadFrom(reader.get());
}

Result<std::unique_ptr<BruteForceVectorIndex>> BruteForceVectorIndex::ReadFrom(
    IndexFileReader* reader) {
  try {
    return ReadFromUnguarded(reader);
  } catch (const std::exception& e) {  // std::bad_alloc
    return Status::Internal(std::string("cannot load a vector index: ") + e.what());
  }
}

Result<std::unique_ptr<BruteForceVectorIndex>> BruteForceVectorIndex::ReadFromUnguarded(
    IndexFileReader* reader) {
  const int dimension = static_cast<int>(reader->header().dimension);
  const Status corrupt = Status::Internal("brute-force index payload is inconsistent");
  uint64_t n = 0;
  MEMORYD_RETURN_IF_ERROR(reader->ReadPod(&n));
  // Check the sizes add up before allocating anything of size n.
  const uint64_t row_bytes = sizeof(uint64_t) + sizeof(float) * static_cast<uint64_t>(dimension);
  if (n != reader->header().count || n > reader->remaining() / row_bytes ||
      n * row_bytes != reader->remaining()) {
    return corrupt;
  }
  auto index = std::make_unique<BruteForceVectorIndex>(dimension);
  index->labels_.resize(n);
  index->data_.resize(n * dimension);
  MEMORYD_RETURN_IF_ERROR(reader->Read(index->labels_.data(), n * sizeof(uint64_t)));
  MEMORYD_RETURN_IF_ERROR(reader->Read(index->data_.data(), n * dimension * sizeof(float)));
  MEMORYD_RETURN_IF_ERROR(reader->ExpectEnd());
  for (size_t row = 0; row < n; ++row) {
    if (!index->rows_.emplace(index->labels_[row], row).second) return corrupt;
  }
  return index;
}

}  // namespace memoryd
