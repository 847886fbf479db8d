// ParallelTextIndexer: adds memories' text to their spaces' keyword indexes on worker threads.
//
// SearchEngine's rebuild at start-up is dominated by text analysis (tokenising and stemming every
// memory for BM25), which Bm25Index runs outside its lock, so several threads can add documents
// to one index at once. The store scan feeds records in; batches of them go through a bounded
// queue (so a large store never sits in memory twice) to `threads` workers, each calling
// SpaceIndex::UpsertText. The order in which documents enter an index does not change its search
// results (ties are broken by label, neighbours are found by label).
//
// Thread-safety: Add and Finish are called from one producer thread. REQUIRES: each label is
// added at most once per indexer (the workers must not race on one label), and every space
// outlives the indexer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"
#include "model/memory.h"

namespace memoryd {

class SpaceIndex;

class ParallelTextIndexer {
 public:
  // `threads` == 0 indexes inline on the producer's thread.
  explicit ParallelTextIndexer(size_t threads);
  // Stops the workers; records still queued are dropped (Finish() waits for them instead).
  ~ParallelTextIndexer();
  ParallelTextIndexer(const ParallelTextIndexer&) = delete;
  ParallelTextIndexer& operator=(const ParallelTextIndexer&) = delete;

  // Queues `record` for `space`; blocks while the queue is full. Returns the first error a worker
  // met so far (the scan should stop), else Ok.
  Status Add(SpaceIndex* space, IndexRecord&& record);
  // Waits until every queued record is indexed. Returns the first error any worker met.
  Status Finish();

 private:
  using Batch = std::vector<std::pair<SpaceIndex*, IndexRecord>>;
  static Status Apply(Batch& batch);
  void Run();
  void Enqueue(Batch batch);
  Status FirstError();

  std::mutex mu_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::deque<Batch> queue_;  // guarded by mu_
  size_t busy_ = 0;          // batches being applied; guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  Status error_;             // the first failure; guarded by mu_
  Batch filling_;            // producer only
  std::vector<std::thread> threads_;
};

}  // namespace memoryd
