#include "search/parallel_text_indexer.h"

#include "search/space_index.h"

namespace memoryd {
namespace {

// Records per batch: enough to make the queue's locking negligible next to text analysis.
constexpr size_t kBatchSize = 128;
// Batches waiting per worker before the producer blocks.
constexpr size_t kQueuedPerThread = 4;

}  // namespace

ParallelTextIndexer::ParallelTextIndexer(size_t threads) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

ParallelTextIndexer::~ParallelTextIndexer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  has_work_.notify_all();
  has_room_.notify_all();
  for (auto& t : threads_) t.join();
}

Status ParallelTextIndexer::Apply(Batch& batch) {
  for (auto& [space, record] : batch) MEMORYD_RETURN_IF_ERROR(space->UpsertText(record));
  return Status::Ok();
}

Status ParallelTextIndexer::FirstError() {
  std::lock_guard lock(mu_);
  return error_;
}

Status ParallelTextIndexer::Add(SpaceIndex* space, IndexRecord&& record) {
  filling_.emplace_back(space, std::move(record));
  if (filling_.size() < kBatchSize) return Status::Ok();
  Batch batch;
  batch.swap(filling_);
  if (threads_.empty()) return Apply(batch);
  Enqueue(std::move(batch));
  return FirstError();
}

void ParallelTextIndexer::Enqueue(Batch batch) {
  std::unique_lock lock(mu_);
  has_room_.wait(lock,
                 [&] { return stopping_ || queue_.size() < kQueuedPerThread * threads_.size(); });
  if (stopping_) return;
  queue_.push_back(std::move(batch));
  lock.unlock();
  has_work_.notify_one();
}

Status ParallelTextIndexer::Finish() {
  if (!filling_.empty()) {
    Batch batch;
    batch.swap(filling_);
    if (threads_.empty()) return Apply(batch);
    Enqueue(std::move(batch));
  }
  std::unique_lock lock(mu_);
  has_room_.wait(lock, [&] { return stopping_ || (queue_.empty() && busy_ == 0); });
  return error_;
}

void ParallelTextIndexer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    has_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    has_room_.notify_one();
    Status s = Apply(batch);
    batch.clear();  // free the texts outside the lock
    lock.lock();
    --busy_;
    if (!s.ok() && error_.ok()) error_ = std::move(s);
    // Finish() waits for an empty queue and no busy worker; the producer for room.
    has_room_.notify_all();
  }
}

}  // namespace memoryd
