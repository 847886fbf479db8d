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
#include <thread>

#include "app/embedding_worker.h"
#include "core/clock.h"
#include "core/repeat_limiter.h"
#include "embed/embedder.h"
#include "embed/embedder_guard.h"
#include "search/search_engine.h"
#include "service/memory_service.h"
#include "store/store.h"
#include "store/write_batch_observer.h"

namespace memoryd {

struct EmbedConfig {
  std::string kind = "builtin";     // "builtin" or "openai"
  std::string url;                  // openai: the endpoint's base URL
  std::string model;                // openai: the model name
  std::string api_key;              // openai: MEMORYD_EMBED_API_KEY
  int dimension = 0;                // openai: expected dimension (0: learned)
  int64_t query_timeout_ms = 1000;  // a search's budget for embedding its query
};

struct StackConfig {
  std::string data_dir = "./memoryd-data";
  std::string database_url;  // PostgreSQL (see StoreLocation); empty: SQLite in data_dir
  bool full_sync = true;
  int64_t read_cache_bytes = 64LL << 20;  // memories read by key kept in memory (0 = none)
  ServiceOptions service;
  EmbedConfig embed;
  int64_t purge_interval_ms = 30'000;
  int64_t key_use_interval_ms = 5'000;  // how often keys' last uses are written
  int64_t follow_interval_ms = 500;     // how soon another process's writes become searchable
  int64_t save_interval_ms = 300'000;   // how often changed vector indexes are saved
  WriteBatchObserver* write_observer = nullptr;  // told of every group commit (may be null)
};

class Stack {
 public:
  // Opens the store, builds the embedder and loads the search indexes. An embedder outside the
  // process is asked for one vector first (within 2 s, or the query timeout if longer):
  // kInvalidArgument when it
  // answers with another dimension than the configured one, or for any other bad embedder
  // configuration; an endpoint that does not answer is no reason not to start. kInternal when
  // the data directory cannot be used.
  static Result<std::unique_ptr<Stack>> Open(const StackConfig& config);
  // Stops the background work and saves the vector indexes.
  ~Stack();

  MemoryService& service() { return *service_; }
  Store& store() { return *store_; }
  // REQUIRES: WaitUntilSearchable() returned true.
  SearchEngine& engine() { return *engine_; }
  EmbedderGuard& embedder() { return *guard_; }
  // True once the search indexes are loaded (waits up to `limit`). Until then searches match
  // words in the store and say so.
  bool WaitUntilSearchable(std::chrono::milliseconds limit);
  // Aborts calls to the embedder in flight and answers later searches from words at once, so
  // requests in flight finish promptly during a shutdown. The destructor calls it too.
  void BeginShutdown();

 private:
  Stack() = default;
  void StartBackground(const StackConfig& config);
  // On the loader thread: opens the search engine, saves it, starts following the store.
  void LoadIndexes(const StackConfig& config, std::shared_ptr<const text::TextAnalyzer> analyzer);
  void StartIndexing(const StackConfig& config);

  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Embedder> embedder_;
  std::unique_ptr<EmbedderGuard> guard_;
  std::unique_ptr<SearchEngine> engine_;
  std::unique_ptr<MemoryService> service_;
  RepeatLimiter follow_errors_{60'000};
  std::atomic<EmbeddingWorker*> worker_{nullptr};  // woken by writes; owned by background_
  struct Background;
  std::unique_ptr<Background> background_;  // stopped first (after the loader)
  std::thread loader_;
  std::atomic<bool> stopping_{false};
};

}  // namespace memoryd
