#include "index/vector_index.h"

#include "index/brute_force_vector_index.h"
#include "index/hnsw_vector_index.h"
#include "index/index_file.h"
#include "index/vector_index_math.h"

namespace memoryd {

Status VectorIndex::AddBatch(std::span<const LabeledVector> items, const ParallelRun& /*run*/) {
  for (const LabeledVector& item : items) {
    if (!NormalizedForIndex(*item.vector, Dimension()).ok()) {
      return Status::InvalidArgument("a vector of the batch has the wrong dimension or is zero");
    }
  }
  for (const LabeledVector& item : items) MEMORYD_RETURN_IF_ERROR(Add(item.label, *item.vector));
  return Status::Ok();
}

Result<std::unique_ptr<VectorIndex>> LoadVectorIndex(const std::string& path,
                                                     std::string_view expected_embedder_name,
                                                     int expected_dimension) {
  MEMORYD_ASSIGN_OR_RETURN(auto reader, IndexFileReader::Open(path));
  MEMORYD_RETURN_IF_ERROR(
      CheckIndexFileHeader(reader->header(), path, expected_embedder_name, expected_dimension));
  switch (reader->header().kind) {
    case IndexKind::kBruteForce: {
      MEMORYD_ASSIGN_OR_RETURN(auto index, BruteForceVectorIndex::ReadFrom(reader.get()));
      return std::unique_ptr<VectorIndex>(std::move(index));
    }
    case IndexKind::kHnsw: {
      MEMORYD_ASSIGN_OR_RETURN(auto index, HnswVectorIndex::ReadFrom(reader.get()));
      return std::unique_ptr<VectorIndex>(std::move(index));
    }
    case IndexKind::kKeyword:
      return Status::Conflict("index file " + path + " holds a keyword index, not vectors");
  }
  return Status::Internal("index file " + path + " holds an unknown kind of index");
}

}  // namespace memoryd
