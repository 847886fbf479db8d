// Embedder: turns texts into fixed-dimension vectors whose cosine similarity reflects meaning.
//
// Implementations: BuiltinEmbedder (offline, deterministic, the default) and OpenAiEmbedder (any
// OpenAI-compatible /v1/embeddings endpoint). Vectors are L2-normalised, so inner product equals
// cosine similarity.
//
// Thread-safety: Embed may be called concurrently from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace memoryd {

using Vector = std::vector<float>;

class Embedder {
 public:
  virtual ~Embedder() = default;
  // A stable name that identifies the model and its settings; stored with the vectors so a
  // change of embedder is detected. Never fails.
  virtual std::string Name() const = 0;
  // Dimension of every vector this embedder returns. Never fails.
  virtual int Dimension() const = 0;
  // Embeds each text, in order. Returns kUnavailable or kInternal when the model cannot be
  // reached or answers badly; kInvalidArgument on a dimension mismatch.
  virtual Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) = 0;
};

}  // namespace memoryd
