// Embedder: turns texts into fixed-dimension vectors whose cosine similarity reflects meaning.
//
// Implementations: BuiltinEmbedder (offline, deterministic, the default) and OpenAiEmbedder (any
// OpenAI-compatible /v1/embeddings endpoint). Vectors are L2-normalised, so inner product equals
// cosine similarity.
//
// Thread-safety: Embed may be called concurrently from any thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/vector.h"

namespace memoryd {

// How long one call may take and how hard it tries.
struct EmbedBudget {
  // The call gives up at this point with kDeadlineExceeded. max(): the embedder's own timeouts.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Retries after a retryable failure; -1: the embedder's own setting.
  int max_retries = -1;
};

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
  // Embed within `budget`: kDeadlineExceeded when the deadline passes first.
  virtual Result<std::vector<Vector>> EmbedWithin(const std::vector<std::string>& texts,
                                                  const EmbedBudget& budget) {
    (void)budget;
    return Embed(texts);
  }
  // True when embedding runs inside this process, takes microseconds and cannot fail for a
  // reason outside it (the built-in embedder). Writes then embed inline; otherwise a write is
  // stored without its vector and embedded in the background.
  virtual bool InProcess() const { return false; }
  // Aborts calls in flight (within about a second) and makes every later call fail at once with
  // kUnavailable. For shutdown.
  virtual void Cancel() {}
};

}  // namespace memoryd
