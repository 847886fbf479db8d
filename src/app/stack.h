// Stack: everything behind a surface, opened on one data directory: the store, the embedder,
// the search engine, the MemoryService, and their background upkeep (expiry purge, following
// the store's index feed, saving the vector indexes, re-embedding after a change of embedder).
// `memoryd serve` and `memoryd mcp` each open one; both may run on the same data directory.
//
// Thread-safety: the accessors may be used from any thread; construct and destroy from one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "embed/embedder.h"
#include "search/search_engine.h"
#include "service/memory_service.h"
#include "store/store.h"

namespace memoryd {

struct EmbedConfig {
  std::string kind = "builtin";  // "builtin" or "openai"
  std::string url;               // openai: the endpoint's base URL
  std::string model;             // openai: the model name
  std::string api_key;           // openai: MEMORYD_EMBED_API_KEY
  int dimension = 0;             // openai: expected dimension (0: learned)
};

struct StackConfig {
  std::string data_dir = "./memoryd-data";
  bool full_sync = true;
  int64_t read_cache_bytes = 64LL << 20;  // memories read by key kept in memory (0 = none)
  ServiceOptions service;
  EmbedConfig embed;
  int64_t purge_interval_ms = 30'000;
  int64_t follow_interval_ms = 500;    // how soon another process's writes become searchable
  int64_t save_interval_ms = 300'000;  // how often changed vector indexes are saved
};

// Progress of re-embedding memories made by another embedder (or none).
struct EmbeddingProgress {
  std::string embedder;
  int64_t pending = 0;  // memories still waiting for an embedding by `embedder`
  std::string last_error;
};

class Stack {
 public:
  // Opens the store, builds the embedder and loads the search indexes. kInvalidArgument for a
  // bad embedder configuration; kInternal when the data directory cannot be used.
  static Result<std::unique_ptr<Stack>> Open(const StackConfig& config);
  // Stops the background work and saves the vector indexes.
  ~Stack();

  MemoryService& service() { return *service_; }
  Store& store() { return *store_; }
  SearchEngine& engine() { return *engine_; }
  EmbeddingProgress Progress() const;

 private:
  Stack() = default;
  void StartBackground(const StackConfig& config);
  void Reembed();

  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Embedder> embedder_;
  std::unique_ptr<SearchEngine> engine_;
  std::unique_ptr<MemoryService> service_;
  std::atomic<int64_t> pending_embeddings_{0};
  mutable std::mutex error_mu_;
  std::string last_embed_error_;
  struct Background;
  std::unique_ptr<Background> background_;  // last: stopped first
};

}  // namespace memoryd
