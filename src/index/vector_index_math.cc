#include "index/vector_index_math.h"

#include <algorithm>
#include <cmath>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace memoryd {
namespace {

float InnerProductPortable(const float* a, const float* b, size_t n) {
  // Four independent sums let the compiler keep several lanes busy without -ffast-math.
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float InnerProductAvx2(const float* a, const float* b,
                                                           size_t n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  sum4 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
  sum4 = _mm_add_ss(sum4, _mm_shuffle_ps(sum4, sum4, 0x55));
  float sum = _mm_cvtss_f32(sum4);
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

float DistanceAvx2(const void* a, const void* b, const void* dim) {
  return 1.0f - InnerProductAvx2(static_cast<const float*>(a), static_cast<const float*>(b),
                                 *static_cast<const size_t*>(dim));
}
#endif

float DistancePortable(const void* a, const void* b, const void* dim) {
  return 1.0f - InnerProductPortable(static_cast<const float*>(a), static_cast<const float*>(b),
                                     *static_cast<const size_t*>(dim));
}

}  // namespace

Result<Vector> NormalizedForIndex(const Vector& v, int dimension) {
  if (static_cast<int>(v.size()) != dimension) {
    return Status::InvalidArgument("vector has dimension " + std::to_string(v.size()) +
                                   ", the index expects " + std::to_string(dimension));
  }
  double norm2 = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return Status::InvalidArgument("vector holds a NaN or infinity");
    norm2 += static_cast<double>(x) * x;
  }
  if (norm2 == 0) return Status::InvalidArgument("vector is all zeros");
  const double inv = 1.0 / std::sqrt(norm2);
  Vector out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i] * inv);
  return out;
}

float InnerProduct(const float* a, const float* b, size_t n) {
#if defined(__x86_64__)
  // Probed once; a function-local static is the thread-safe way to cache the CPU check.
  static const bool kAvx2 = HasAvx2();
  if (kAvx2) return InnerProductAvx2(a, b, n);
#endif
  return InnerProductPortable(a, b, n);
}

InnerProductDistanceFn BestInnerProductDistance() {
#if defined(__x86_64__)
  if (HasAvx2()) return DistanceAvx2;
#endif
  return DistancePortable;
}

float ClampSimilarity(float similarity) { return std::clamp(similarity, -1.0f, 1.0f); }

bool BetterHit(const VectorHit& a, const VectorHit& b) {
  if (a.similarity != b.similarity) return a.similarity > b.similarity;
  return a.label < b.label;
}

void SortHits(std::vector<VectorHit>* hits) { std::sort(hits->begin(), hits->end(), BetterHit); }

void TopHits::Offer(const VectorHit& hit) {
  if (k_ == 0) return;
  if (heap_.size() < k_) {
    heap_.push(hit);
  } else if (BetterHit(hit, heap_.top())) {
    heap_.pop();
    heap_.push(hit);
  }
}

std::vector<VectorHit> TopHits::TakeSorted() {
  std::vector<VectorHit> hits(heap_.size());
  for (size_t i = hits.size(); i > 0; --i) {
    hits[i - 1] = heap_.top();
    heap_.pop();
  }
  return hits;
}

}  // namespace memoryd
