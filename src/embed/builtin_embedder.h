// BuiltinEmbedder: the offline default Embedder. Deterministic, self-contained (no model, no data
// files: the WordNet lexicon is linked in), a few microseconds per short text.
//
// Design. Without a trained model, "meaning" is approximated by the overlap of four kinds of
// evidence, each hashed into the same fixed-dimension space (the hashing trick):
//  1. Word features: the Snowball stems of the content words (stopwords dropped), so "painted"
//     and "painting" meet.
//  2. Phrase features: pairs of consecutive content stems ("support group"), which reward shared
//     phrasing over shared vocabulary.
//  3. Character features: the 3- and 4-grams of each content word with boundary marks
//     ("<pho", "hot", "oto", "tos>"), which tolerate typos, inflections the stemmer misses
//     ("photo"/"photography") and compounds.
//  4. Concept features: the WordNet concepts the content words reach strongly (text/semantic.h:
//     senses, broader terms, wholes, related forms), so "my dad" and "my father" or "a sedan"
//     and "the car" share features.
// Each feature hashes (FNV-1a with a per-kind seed, then a 64-bit finaliser) to a dimension and a
// sign; signed hashing makes colliding features cancel on average instead of adding up, so
// unrelated texts have cosine close to 0. Repeated features are damped (weight 1 + ln tf). Each
// kind is L2-normalised on its own, then the kinds are mixed with fixed weights and the result is
// L2-normalised, so the cosine of two texts is close to a weighted average of their per-kind
// cosines: identical texts score 1, texts sharing no content word or character run score ~0.
// A text with no content words (only stopwords) uses its stopwords instead; a text with no words
// at all maps to one fixed unit vector, so even empty texts are valid, normalised vectors.
//
// Name() encodes the feature version, dimension, weights, link kinds and the lexicon's digest:
// vectors from different settings never mix.
//
// Thread-safety: Embed may be called concurrently (the stemmer is a thread-safe pool).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "embed/embedder.h"
#include "text/semantic.h"
#include "text/stemmer.h"

namespace memoryd {

struct BuiltinEmbedderOptions {
  // Vector dimension. More dimensions mean fewer hash collisions and more memory.
  int dimension = 384;
  // Relative weights of the four feature kinds (see the header comment).
  float word_weight = 1.0f;
  float phrase_weight = 0.4f;
  float char_weight = 1.0f;
  float concept_weight = 0.5f;
  // Which WordNet links make concept features (text::kDefaultLinks unless a benchmark says).
  text::SemanticOptions semantic;
};

class BuiltinEmbedder final : public Embedder {
 public:
  // Returns kInvalidArgument for a dimension below 8, negative weights or zero word and character
  // weights, and kInternal when the stemmer cannot be created.
  static Result<std::unique_ptr<BuiltinEmbedder>> Create(BuiltinEmbedderOptions options = {});

  // Prefer Create(). REQUIRES: valid options and a non-null stemmer.
  BuiltinEmbedder(BuiltinEmbedderOptions options, std::unique_ptr<text::Stemmer> stemmer);

  std::string Name() const override;
  int Dimension() const override { return options_.dimension; }
  // Never fails.
  Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) override;
  bool InProcess() const override { return true; }

  // Embeds one text. Never fails.
  Vector EmbedOne(std::string_view text) const;

 private:
  // Hashes of each feature kind, repeats kept.
  struct Features {
    std::vector<uint64_t> words;
    std::vector<uint64_t> phrases;
    std::vector<uint64_t> chars;
    std::vector<uint64_t> concepts;
  };
  Features ExtractFeatures(std::string_view text) const;

  const BuiltinEmbedderOptions options_;
  const std::unique_ptr<text::Stemmer> stemmer_;
  const text::ConceptExpander expander_;
};

}  // namespace memoryd
