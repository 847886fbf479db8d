// Hybrid score fusion: merges the keyword (BM25) and vector (cosine) hits of one query into a
// single score in [0, 1] per memory, best first.
//
// Calibration. Both inputs are first mapped to [0, 1] on scales that do not depend on the query:
//  - keyword: KeywordHit::relative, the BM25 score divided by the query's self-score (the score
//    a document identical to the query would get; see index/keyword_index.h). A duplicate of the
//    query gets 1; a document sharing no term gets 0; sharing the rarer half of the query's words
//    gets roughly one half. (Concepts, feedback and neighbour context can lift it; it stays
//    clamped to 1.)
//  - vector: cosine similarity rescaled so that `cosine_floor` maps to 0 and 1 maps to 1,
//    clamped. Every embedding model has a typical similarity for unrelated texts (about 0.1 for
//    the builtin embedder, 0.1-0.3 for typical neural models, 0.7 for some older ones); the
//    floor removes it, so "unrelated" means 0 whatever the model. The floor is observed, not
//    assumed: a search samples the query's similarity to memories spread over its space
//    (VectorIndex::SampleSimilarities), and since most memories are unrelated to any one query,
//    the 90th percentile of those samples is where "unrelated" ends for this query, this space
//    and this model (ObservedCosineFloor). The preset floor is a lower bound and the value for
//    spaces too small to sample.
// The fused score is the weighted mean keyword_weight * keyword + (1 - keyword_weight) * vector.
// Hence an exact duplicate scores 1 (both parts are 1), a memory unrelated in words and meaning
// scores 0, the score never decreases when either part increases, and a fixed threshold means
// the same thing for every query (e.g. >= 0.95 is a duplicate or a near-verbatim restatement).
//
// A label missing from one input list contributes 0 for that part. The lists are usually top-N
// cut-offs, so for the most faithful scores pass, for the keyword-only hits, their exact cosine
// as extra VectorHits (the service has the stored vectors); the order of the lists is irrelevant.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "index/keyword_index.h"
#include "index/vector_index.h"  // VectorHit

namespace memoryd {

struct ScoredHit {
  uint64_t label = 0;
  float score = 0;         // fused, in [0, 1]
  float keyword = 0;       // calibrated keyword part, in [0, 1]
  float vector = 0;        // calibrated vector part, in [0, 1]
  float cosine_floor = 0;  // the floor the vector part was calibrated with
};

// The defaults suit the builtin embedder (the default); see the presets below.
struct FusionOptions {
  // Weight of the keyword part; the vector part gets 1 - keyword_weight. Clamped to [0, 1].
  float keyword_weight = 0.85f;
  // Cosine similarity that counts as "unrelated" (maps to 0). Clamped to [-1, 0.99]. For the
  // builtin embedder, the median cosine of a question to the memories of a conversation is 0.10
  // and its 90th percentile 0.21 (measured on LoCoMo): the floor zeroes nine unrelated memories
  // in ten.
  float cosine_floor = 0.2f;
  // Hits scoring below this are dropped.
  float min_score = 0.0f;
  // Maximum number of hits returned; 0 means all.
  size_t limit = 0;
};

// Presets. The builtin embedder only approximates meaning (see embed/builtin_embedder.h), so
// words lead and the vector part refines; a neural embedder carries meaning well, so it leads.
// Its floor suits common models (text-embedding-3, nomic, bge); a model whose unrelated texts
// score higher (text-embedding-ada-002: about 0.7) needs its own floor.
FusionOptions BuiltinEmbedderFusion();  // keyword_weight 0.85, cosine_floor 0.2
FusionOptions NeuralEmbedderFusion();   // keyword_weight 0.4, cosine_floor 0.2

// The cosine floor for one query: the 90th percentile of its sampled similarities to the space's
// memories, at least `preset`; `preset` itself with fewer than kMinFloorSamples samples.
inline constexpr size_t kFloorSamples = 64;
inline constexpr size_t kMinFloorSamples = 16;
float ObservedCosineFloor(std::vector<float> samples, float preset);

// Calibrated vector part for one cosine similarity (see the header comment).
float CalibrateCosine(float similarity, float cosine_floor);

// Fuses the two hit lists. Duplicate labels within one list keep their best value. Never fails;
// result ordered by score descending, ties by label ascending.
std::vector<ScoredHit> FuseScores(const std::vector<KeywordHit>& keyword_hits,
                                  const std::vector<VectorHit>& vector_hits,
                                  const FusionOptions& options);

}  // namespace memoryd
