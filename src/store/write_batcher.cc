#include "store/write_batcher.h"

#include <algorithm>

namespace memoryd::sqlstore {
namespace {

// Bounds the time any single writer waits behind others in one transaction.
constexpr size_t kMaxBatch = 512;

}  // namespace

struct WriteBatcher::Writer {
  Op op;
  Reach reach = Reach::kMemories;
  Status result;
  bool done = false;
  std::condition_variable cv;
};

Status WriteBatcher::Submit(Op op, Reach reach) {
  Writer self;
  self.op = std::move(op);
  self.reach = reach;
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return self.result;

  // This writer leads: take everything queued so far, run it without holding the lock.
  const size_t n = std::min(queue_.size(), kMaxBatch);
  std::deque<Writer*> batch(queue_.begin(), queue_.begin() + static_cast<long>(n));
  lock.unlock();
  const auto started = std::chrono::steady_clock::now();
  const bool changed = RunBatchSafely(batch);
  conn_->TrimStatements();  // every statement of the batch is done with
  if (observer_ != nullptr) observer_->OnBatch(n, std::chrono::steady_clock::now() - started);
  // Whatever the outcome (a failed COMMIT may still have reached the disk), cached reads are
  // stale from here on, before any writer of the batch returns.
  const bool reaches_memories = std::any_of(
      batch.begin(), batch.end(), [](const Writer* w) { return w->reach == Reach::kMemories; });
  if (changed && reaches_memories && generation_ != nullptr) generation_->Bump();
  lock.lock();
  for (size_t i = 0; i < n; ++i) {
    Writer* w = queue_.front();
    queue_.pop_front();
    if (w != &self) {
      w->done = true;
      w->cv.notify_one();
    }
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return self.result;
}

// Runs the batch without letting an exception escape: a throwing operation would otherwise leave
// the transaction open and the batch's other writers waiting forever. True when the batch changed
// rows, committed or not.
bool WriteBatcher::RunBatchSafely(const std::deque<Writer*>& batch) {
  const int64_t before = conn_->TotalChanges();
  try {
    RunBatch(batch);
    return conn_->TotalChanges() != before;
  } catch (...) {
  }
  try {
    if (conn_->InTransaction()) (void)conn_->Run("ROLLBACK");
  } catch (...) {
  }
  const Status failed = Status::Internal("the write failed unexpectedly and was rolled back");
  for (Writer* w : batch) w->result = failed;
  return true;
}

Status WriteBatcher::EnsureConnected() {
  if (!conn_->Broken() || !reconnect_) return Status::Ok();
  MEMORYD_ASSIGN_OR_RETURN(auto fresh, reconnect_());
  conn_ = std::move(fresh);
  return Status::Ok();
}

Status WriteBatcher::Begin() {
  // A transaction left open by a failure that a rollback could not end is ended now, so that it
  // holds no lock (PostgreSQL: the writers' lock every node waits for).
  if (conn_->InTransaction()) (void)conn_->Run("ROLLBACK");
  Status begin = conn_->Run(conn_->BeginWriteSql());
  if (begin.ok() && !conn_->WriteLockSql().empty()) {
    begin = conn_->Run(conn_->WriteLockSql());
    if (!begin.ok()) (void)conn_->Run("ROLLBACK");
  }
  return begin;
}

void WriteBatcher::RunBatch(const std::deque<Writer*>& batch) {
  if (Status connected = EnsureConnected(); !connected.ok()) {
    for (Writer* w : batch) w->result = connected;
    return;
  }
  if (conn_->RoundTrips() && RunOptimistically(batch)) return;
  conn_->SetOptimistic(false);
  Status begin = EnsureConnected();  // the optimistic run may have lost the connection
  if (begin.ok()) begin = Begin();
  if (!begin.ok()) {
    for (Writer* w : batch) w->result = begin;
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = RunOne(*batch[i]);
    if (conn_->InTransaction()) continue;
    // SQLite rolled the whole transaction back by itself (I/O error, disk full): nothing of this
    // batch is committed, so every operation fails, including the ones that had succeeded.
    // A database that went away stays "unavailable" (503): the client may retry.
    const Status& cause = batch[i]->result;
    const std::string why = "transaction aborted: " + cause.message();
    const Status lost =
        cause.code() == StatusCode::kUnavailable ? Status::Unavailable(why) : Status::Internal(why);
    for (Writer* w : batch) w->result = lost;
    return;
  }
  Status commit = conn_->Run("COMMIT");
  if (commit.ok()) return;
  (void)conn_->Run("ROLLBACK");
  for (Writer* w : batch) w->result = commit;
}

bool WriteBatcher::RunOptimistically(const std::deque<Writer*>& batch) {
  if (Status begin = Begin(); !begin.ok()) {
    for (Writer* w : batch) w->result = begin;
    return true;
  }
  conn_->SetOptimistic(true);
  Status failed;
  for (Writer* w : batch) {
    failed = w->op(*conn_);
    if (!failed.ok() || conn_->IsolationRequested()) break;
  }
  const bool isolate = conn_->IsolationRequested();
  conn_->SetOptimistic(false);
  // The deferred statements answer before COMMIT: a failure among them is an operation's, and
  // the batch runs again; a failed COMMIT is the batch's.
  if (failed.ok() && !isolate) failed = conn_->Flush();
  if (!failed.ok() || isolate) {
    (void)conn_->Run("ROLLBACK");
    // An operation alone in its batch that failed: the rollback undid exactly its changes, as
    // its savepoint would have, and the failure is its own.
    if (batch.size() == 1 && !isolate && !conn_->Broken()) {
      batch.front()->result = failed;
      return true;
    }
    return false;
  }
  Status commit = conn_->Run("COMMIT");
  if (!commit.ok()) (void)conn_->Run("ROLLBACK");
  for (Writer* w : batch) w->result = commit;
  return true;
}

Status WriteBatcher::RunOne(Writer& w) {
  MEMORYD_RETURN_IF_ERROR(conn_->RunDeferred("SAVEPOINT op"));
  Status s = w.op(*conn_);
  // A deferred statement of the operation answers at the flush at the latest; nothing after a
  // failure runs, so the savepoint is still there to roll back to.
  if (s.ok()) s = conn_->RunDeferred("RELEASE op");
  if (s.ok()) s = conn_->Flush();
  if (s.ok()) return s;
  (void)conn_->Run("ROLLBACK TO op");
  (void)conn_->Run("RELEASE op");
  return s;
}

}  // namespace memoryd::sqlstore
