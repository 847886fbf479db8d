#include "search/fusion.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace memoryd {
namespace {

constexpr float kMaxCosineFloor = 0.99f;
constexpr float kNeuralCosineFloor = 0.2f;
constexpr float kNeuralKeywordWeight = 0.4f;

float Clamp01(float x) {
  if (!(x > 0.0f)) return 0.0f;  // also maps NaN to 0
  return std::min(x, 1.0f);
}

}  // namespace

FusionOptions BuiltinEmbedderFusion() {
  FusionOptions options;  // the defaults are the builtin preset
  return options;
}

FusionOptions NeuralEmbedderFusion() {
  FusionOptions options;
  options.keyword_weight = kNeuralKeywordWeight;
  options.cosine_floor = kNeuralCosineFloor;
  return options;
}

float ObservedCosineFloor(std::vector<float> samples, float preset) {
  constexpr double kUnrelatedQuantile = 0.9;
  if (samples.size() < kMinFloorSamples) return preset;
  const auto at = static_cast<size_t>(kUnrelatedQuantile * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(at),
                   samples.end());
  return std::clamp(std::max(samples[at], preset), -1.0f, kMaxCosineFloor);
}

float CalibrateCosine(float similarity, float cosine_floor) {
  const float floor = std::clamp(cosine_floor, -1.0f, kMaxCosineFloor);
  return Clamp01((similarity - floor) / (1.0f - floor));
}

std::vector<ScoredHit> FuseScores(const std::vector<KeywordHit>& keyword_hits,
                                  const std::vector<VectorHit>& vector_hits,
                                  const FusionOptions& options) {
  const float keyword_weight = Clamp01(options.keyword_weight);
  std::unordered_map<uint64_t, ScoredHit> merged;
  merged.reserve(keyword_hits.size() + vector_hits.size());
  for (const KeywordHit& hit : keyword_hits) {
    ScoredHit& entry = merged[hit.label];
    entry.label = hit.label;
    entry.keyword = std::max(entry.keyword, Clamp01(hit.relative));
  }
  for (const VectorHit& hit : vector_hits) {
    ScoredHit& entry = merged[hit.label];
    entry.label = hit.label;
    entry.vector = std::max(entry.vector, CalibrateCosine(hit.similarity, options.cosine_floor));
  }
  std::vector<ScoredHit> fused;
  fused.reserve(merged.size());
  for (auto& [label, hit] : merged) {
    hit.cosine_floor = options.cosine_floor;
    hit.score = Clamp01(keyword_weight * hit.keyword + (1.0f - keyword_weight) * hit.vector);
    if (hit.score >= options.min_score) fused.push_back(hit);
  }
  const auto better = [](const ScoredHit& a, const ScoredHit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.label < b.label;
  };
  if (options.limit > 0 && fused.size() > options.limit) {
    std::partial_sort(fused.begin(), fused.begin() + static_cast<std::ptrdiff_t>(options.limit),
                      fused.end(), better);
    fused.resize(options.limit);
  } else {
    std::sort(fused.begin(), fused.end(), better);
  }
  return fused;
}

}  // namespace memoryd
