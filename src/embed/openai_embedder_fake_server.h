// FakeEmbeddingServer: a tiny OpenAI-compatible embeddings server on 127.0.0.1 (port chosen by
// the OS) for the OpenAiEmbedder tests. TEST-ONLY: include it from *_test.cc files only. Its
// implementation is in openai_embedder_fake_server_test.cc, which CMake builds into the unit-test
// binary alone, so it is never part of the memoryd binary.
//
// Each request gets the next queued Reply; with none queued it gets a proper answer holding, for
// every input text, FakeEmbedding(text, dimension) with its "index" (optionally listed in
// reverse order). One connection is served at a time and closed after its answer.
//
// Thread-safety: every method may be called from test threads while the server thread runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "embed/embedder.h"

namespace memoryd::testing {

class FakeEmbeddingServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::chrono::milliseconds delay{0};  // waited before answering (cut short by shutdown)
    std::string retry_after;             // value of a Retry-After header, if non-empty
  };
  struct Request {
    std::string target;         // e.g. "/v1/embeddings"
    std::string authorization;  // the Authorization header, if any
    std::string model;
    std::vector<std::string> inputs;
    int dimensions = 0;  // the "dimensions" field, 0 when absent
  };

  // Starts listening and serving. ok() tells whether the socket could be opened.
  explicit FakeEmbeddingServer(int dimension);
  ~FakeEmbeddingServer();  // stops the server thread and closes the socket
  FakeEmbeddingServer(const FakeEmbeddingServer&) = delete;
  FakeEmbeddingServer& operator=(const FakeEmbeddingServer&) = delete;

  bool ok() const;
  std::string BaseUrl() const;  // "http://127.0.0.1:<port>"

  void Enqueue(Reply reply);
  void SetDimension(int dimension);
  void SetReverseOrder(bool reverse);
  std::vector<Request> Requests() const;

  // The (not normalised) vector the server returns for `text`. Deterministic.
  static Vector FakeEmbedding(const std::string& text, int dimension);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memoryd::testing
