// Small helpers shared by the vector indexes: input validation with L2 normalisation, an inner
// product that uses AVX2/FMA when the CPU has it (picked at run time, so the binary still runs on
// CPUs without AVX), and a bounded best-k collector with the indexes' result order.
//
// Thread-safety: the functions are pure and safe from any thread; a TopHits object is used by one
// thread at a time.
#pragma once

#include <cstddef>
#include <queue>
#include <vector>

#include "core/result.h"
#include "index/vector_index.h"
#include "model/vector.h"

namespace memoryd {

// Returns `v` scaled to unit L2 norm. Returns kInvalidArgument when `v` does not have `dimension`
// elements, holds a NaN or infinity, or is the zero vector.
Result<Vector> NormalizedForIndex(const Vector& v, int dimension);

// Sum of a[i] * b[i] for i < n. Never fails.
float InnerProduct(const float* a, const float* b, size_t n);

// hnswlib's distance signature: 1 - <a, b> over *static_cast<const size_t*>(dim) floats.
using InnerProductDistanceFn = float (*)(const void* a, const void* b, const void* dim);
// The fastest inner-product distance this CPU supports (AVX2/FMA or portable). Never fails.
InnerProductDistanceFn BestInnerProductDistance();

// Compact codes of unit vectors for the graph index: a float scale, then one int8 per dimension
// (value / scale, rounded; the scale maps the largest magnitude to 127). The inner product of two
// codes approximates that of their vectors to about 1e-3, at a quarter of the memory traffic.
size_t QuantizedSize(size_t dimension);
// Writes the code of `v` (n floats) to `out` (QuantizedSize(n) bytes). Never fails.
void Quantize(const float* v, size_t n, char* out);
// hnswlib's distance signature over two codes: 1 - approximate <a, b>, with
// *static_cast<const size_t*>(dim) dimensions. Picks AVX-512BW, AVX2 or portable code at run time.
InnerProductDistanceFn BestQuantizedDistance();

// Clamps a similarity computed in float arithmetic into [-1, 1]. Never fails.
float ClampSimilarity(float similarity);

// The result order of every index: higher similarity first, then smaller label. Never fails.
bool BetterHit(const VectorHit& a, const VectorHit& b);

// Sorts hits into the result order. Never fails.
void SortHits(std::vector<VectorHit>* hits);

// Keeps the k best hits offered so far.
class TopHits {
 public:
  explicit TopHits(size_t k) : k_(k) {}
  void Offer(const VectorHit& hit);
  // The kept hits in result order; leaves the collector empty. Never fails.
  std::vector<VectorHit> TakeSorted();

 private:
  struct WorseOnTop {
    bool operator()(const VectorHit& a, const VectorHit& b) const { return BetterHit(a, b); }
  };
  size_t k_;
  std::priority_queue<VectorHit, std::vector<VectorHit>, WorseOnTop> heap_;
};

}  // namespace memoryd
