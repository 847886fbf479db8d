// OpenAiEmbedder: an Embedder backed by any OpenAI-compatible embeddings endpoint
// (POST {"model", "input": [...]} -> {"data": [{"index", "embedding"}]}): OpenAI, Ollama,
// llama.cpp server, vLLM, Hugging Face TEI, LM Studio.
//
// Texts are sent in batches of `batch_size`, one request per batch, in order. Failed requests
// are retried with exponential backoff and jitter on 408, 429, 5xx and connection errors or
// timeouts (a Retry-After header is honoured up to max_backoff); other 4xx answers fail at once.
// Every returned vector is checked against the dimension (configured, or learned from the first
// answer and enforced from then on) and L2-normalised.
//
// Thread-safety: Embed, Name and Dimension may be called concurrently from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "embed/http_client.h"

namespace memoryd {

struct OpenAiEmbedderOptions {
  // Base URL ("https://api.openai.com/v1", "http://localhost:11434/v1", "http://host:8080") or
  // the full endpoint ("http://host:8080/v1/embeddings"). A URL without a path gets
  // "/v1/embeddings"; any other path not ending in "/embeddings" gets "/embeddings".
  std::string url;
  // Model name sent as "model"; omitted from the request when empty (llama.cpp, TEI).
  std::string model;
  // Sent as "Authorization: Bearer <api_key>" when non-empty. Never logged or echoed.
  std::string api_key;
  // Expected vector dimension. 0: learned from the first answer, then enforced.
  int dimension = 0;
  // Also send "dimensions": dimension (OpenAI text-embedding-3 models shorten their vectors).
  bool send_dimensions = false;
  // Texts per request.
  size_t batch_size = 64;
  // Limit for each HTTP request, connection included.
  std::chrono::milliseconds timeout{30000};
  // Retries of one batch after a retryable failure (so at most 1 + max_retries requests).
  int max_retries = 4;
  // Delay before the first retry; doubles per retry up to max_backoff, then jittered to 50-100%.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20000};
};

class OpenAiEmbedder final : public Embedder {
 public:
  // Returns kInvalidArgument when the URL is not http(s) or has no host, or when batch_size,
  // timeout, dimension, max_retries or the backoffs are out of range (or send_dimensions is set
  // without a dimension).
  static Result<std::unique_ptr<OpenAiEmbedder>> Create(OpenAiEmbedderOptions options);

  // "openai:<model>" (or "openai:<endpoint URL>" without a model), plus ":<dimension>" when
  // send_dimensions is set. Never fails.
  std::string Name() const override;
  // The configured dimension, or the learned one; 0 before the first successful answer when
  // none was configured. Never fails.
  int Dimension() const override;
  // Returns one unit vector per text, in order (no request for an empty list). Returns
  // kUnavailable when the endpoint cannot be reached, times out, or keeps answering 408/429/5xx
  // after all retries; kTooLarge when it refuses the input (400, 413, 422); kInternal on any
  // other non-2xx answer (e.g. 401, 404) or a malformed
  // answer (bad JSON, wrong count, bad index, zero or non-finite vector); kInvalidArgument when a
  // vector's dimension differs from the expected one. Messages name the endpoint and include
  // the server's error text.
  Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) override;
  // As Embed, within `budget`: each request's timeout is cut to the time left, a retry is made
  // only when its back-off ends before the deadline, and kDeadlineExceeded is returned when the
  // deadline passes (or the last attempt timed out).
  Result<std::vector<Vector>> EmbedWithin(const std::vector<std::string>& texts,
                                          const EmbedBudget& budget) override;
  // Aborts requests in flight (within about a second) and back-off waits at once; every later
  // call fails with kUnavailable.
  void Cancel() override;

  // The resolved embeddings URL. Never fails.
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct PassKey {};

 public:
  // Use Create(); PassKey is private, so only Create() can call this.
  OpenAiEmbedder(PassKey, OpenAiEmbedderOptions options, std::string endpoint);

 private:
  Result<std::vector<Vector>> EmbedBatch(std::span<const std::string> texts,
                                         const EmbedBudget& budget);
  std::string RequestBody(std::span<const std::string> texts) const;
  Result<HttpResponse> PostWithRetries(const std::string& body, const EmbedBudget& budget);
  Result<HttpResponse> PostOnce(const std::string& body, const EmbedBudget& budget,
                                std::optional<int64_t>* retry_after, bool* retryable);
  // Sleeps `delay` unless cancelled first; false when cancelled.
  bool SleepUnlessCancelled(std::chrono::milliseconds delay);
  Status CheckDimension(size_t dimension);
  std::chrono::milliseconds BackoffDelay(int retry, std::optional<int64_t> retry_after_seconds);
  Result<std::vector<Vector>> ParseAnswer(const std::string& body, size_t expected);

  const OpenAiEmbedderOptions options_;
  const std::string endpoint_;
  std::vector<std::string> headers_;
  HttpClient http_;
  std::atomic<int> dimension_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // jitter; guarded by rng_mu_
  std::atomic<bool> cancelled_{false};
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;  // wakes back-off waits at Cancel()
};

// Resolves a base or full URL into the embeddings endpoint as described on
// OpenAiEmbedderOptions::url. Returns kInvalidArgument for a non-http(s) URL or one without a
// host.
Result<std::string> ResolveEmbeddingsUrl(const std::string& url);

}  // namespace memoryd
