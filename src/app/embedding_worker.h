// EmbeddingWorker: gives every stored memory its vector, in the background.
//
// A memory whose embedding was not made by the current embedder (a write with an embedder
// outside the process, a write by another process, a change of embedder) is durably pending in
// the store. The worker embeds pending memories a batch at a time through the EmbedderGuard
// (oldest first), stores the vectors in one transaction per batch, and notes the write so the
// search indexes pick them up. It is woken by every write of this process and looks again at
// least every `poll` (other processes' writes). A second thread recounts the pending memories
// every `poll` (for /healthz) while the first may be waiting on the endpoint. While the guard
// pauses embedding, nothing is sent; the worker probes when the back-off has passed.
//
// A batch whose input the endpoint refuses (HTTP 400, 413 or 422: kTooLarge, which does not count
// against the endpoint's health) is split: texts that embed alone are stored, and a text refused
// alone is marked refused (an empty vector by this embedder) so it cannot block the queue; it
// stays findable by words. A refusal counts only while the endpoint embeds something else (a
// batch-mate, or a probe text), so an endpoint that refuses everything marks nothing.
//
// Thread-safety: Wake and pending may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/periodic_task.h"
#include "core/repeat_limiter.h"
#include "embed/embedder_guard.h"
#include "search/search_engine.h"
#include "store/store.h"

namespace memoryd {

class EmbeddingWorker {
 public:
  EmbeddingWorker(Store& store, EmbedderGuard& guard, SearchEngine& engine,
                  std::chrono::milliseconds poll);
  // Stops the worker. Call EmbedderGuard::Shutdown() first so a call in flight ends at once.
  ~EmbeddingWorker();
  EmbeddingWorker(const EmbeddingWorker&) = delete;
  EmbeddingWorker& operator=(const EmbeddingWorker&) = delete;

  // A write happened: count one more pending memory and look for pending memories now.
  void Wake();
  // Memories pending as last counted.
  int64_t pending() const { return pending_.load(); }

 private:
  void Run();
  // Embeds pending memories until none is left, the guard pauses, or the worker stops.
  void Round();
  // One batch: true when it made progress.
  bool EmbedBatch(const std::vector<EmbeddingTask>& tasks);
  // The batch's texts one by one, after the endpoint refused the batch.
  bool EmbedOneByOne(const std::vector<EmbeddingTask>& tasks);
  bool Save(const std::vector<EmbeddingUpdate>& updates);
  void Count();
  void Log(const std::string& message);  // repeats summarised once a minute

  Store& store_;
  EmbedderGuard& guard_;
  SearchEngine& engine_;
  const std::string name_;
  const std::chrono::milliseconds poll_;
  std::atomic<int64_t> pending_{0};
  RepeatLimiter log_limiter_{60'000};
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;  // guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;
  // Recounts the pending memories every `poll`, also while a call to the embedder is in
  // flight, so /healthz is current. Last: starts after everything it uses.
  std::unique_ptr<PeriodicTask> counter_;
};

}  // namespace memoryd
