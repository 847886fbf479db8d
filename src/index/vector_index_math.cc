#include "index/vector_index_math.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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

// Integer inner products of int8 codes. Products are at most 127^2 and dimensions at most 65536,
// so the int32 sums cannot overflow.
int32_t DotInt8Portable(const int8_t* a, const int8_t* b, size_t n) {
  int32_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += int32_t{a[i]} * int32_t{b[i]};
  return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) int32_t DotInt8Avx2(const int8_t* a, const int8_t* b, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i x =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i y =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
  }
  __m128i sum4 = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  sum4 = _mm_add_epi32(sum4, _mm_shuffle_epi32(sum4, 0x4e));
  sum4 = _mm_add_epi32(sum4, _mm_shuffle_epi32(sum4, 0xb1));
  return _mm_cvtsi128_si32(sum4) + DotInt8Portable(a + i, b + i, n - i);
}

__attribute__((target("avx512f,avx512bw"))) int32_t DotInt8Avx512(const int8_t* a, const int8_t* b,
                                                                  size_t n) {
  __m512i acc = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i x =
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    const __m512i y =
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(x, y));
  }
  // (Not _mm512_reduce_add_epi32: GCC 12 warns about an uninitialised value inside it.)
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, acc);
  int32_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  return sum + DotInt8Portable(a + i, b + i, n - i);
}

bool HasAvx512Bw() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
#endif

// Distance between two codes with dot product `Dot`.
template <int32_t (*Dot)(const int8_t*, const int8_t*, size_t)>
float QuantizedDistance(const void* a, const void* b, const void* dim) {
  const auto* x = static_cast<const char*>(a);
  const auto* y = static_cast<const char*>(b);
  float sx;
  float sy;
  std::memcpy(&sx, x, sizeof(float));
  std::memcpy(&sy, y, sizeof(float));
  const int32_t dot =
      Dot(reinterpret_cast<const int8_t*>(x + sizeof(float)),
          reinterpret_cast<const int8_t*>(y + sizeof(float)), *static_cast<const size_t*>(dim));
  return 1.0f - sx * sy * static_cast<float>(dot);
}

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

size_t QuantizedSize(size_t dimension) { return sizeof(float) + dimension; }

void Quantize(const float* v, size_t n, char* out) {
  float largest = 0;
  for (size_t i = 0; i < n; ++i) largest = std::max(largest, std::fabs(v[i]));
  const float scale = largest > 0 ? largest / 127.0f : 1.0f;
  std::memcpy(out, &scale, sizeof(float));
  auto* codes = reinterpret_cast<int8_t*>(out + sizeof(float));
  for (size_t i = 0; i < n; ++i) {
    codes[i] = static_cast<int8_t>(std::clamp(std::lround(v[i] / scale), -127L, 127L));
  }
}

InnerProductDistanceFn BestQuantizedDistance() {
#if defined(__x86_64__)
  if (HasAvx512Bw()) return QuantizedDistance<DotInt8Avx512>;
  if (HasAvx2()) return QuantizedDistance<DotInt8Avx2>;
#endif
  return QuantizedDistance<DotInt8Portable>;
}

}  // namespace memoryd
