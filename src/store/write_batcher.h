// WriteBatcher: group commit for one writer connection.
//
// Callers submit an operation; concurrent submissions are gathered into one transaction and one
// commit (one fsync), the way LevelDB's writers queue works: the first waiting writer becomes the
// leader, runs every queued operation, each inside its own SAVEPOINT so one failing operation
// rolls back alone, commits once, and wakes the others.
//
// On a connection where each statement is a round trip (Connection::RoundTrips: PostgreSQL), a
// savepoint per operation costs two more and a subtransaction on the server, so a batch first
// runs without them ("optimistically"). If any operation fails, or asks for isolation, that run
// is rolled back and the batch runs again as above; operations must therefore be safe to run
// twice (they write their results, they do not append to them).
//
// Thread-safety: Submit may be called from any number of threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "core/status.h"
#include "store/shared_generation.h"
#include "store/sql_connection.h"
#include "store/write_batch_observer.h"

namespace memoryd::sqlstore {

using sql::Connection;

class WriteBatcher {
 public:
  using Op = std::function<Status(Connection&)>;

  // `generation`, when given, is bumped after every batch that changed rows (committed or not)
  // and before any writer of the batch returns (it must outlive the batcher).
  // `observer`, when given, is told of every batch (it must outlive the batcher).
  explicit WriteBatcher(std::unique_ptr<Connection> conn, SharedGeneration* generation = nullptr,
                        WriteBatchObserver* observer = nullptr)
      : conn_(std::move(conn)), generation_(generation), observer_(observer) {}

  // How a lost connection (Connection::Broken: a database server that went away) is replaced:
  // before a batch, the batcher opens a new one with `reconnect`; if that fails, the batch fails
  // with its error (kUnavailable) and the next batch tries again. Call before the first Submit.
  using Reconnect = std::function<Result<std::unique_ptr<Connection>>()>;
  void SetReconnect(Reconnect reconnect) { reconnect_ = std::move(reconnect); }

  // Runs `op` inside a transaction and returns once it is committed. Returns op's own error
  // (its changes rolled back), or the commit's error (kInternal, kUnavailable when busy).
  Status Submit(Op op) { return Submit(std::move(op), Reach::kMemories); }
  // What an operation may change: only one that may change memories (or spaces and tags) makes
  // other processes' cached reads stale, so only such a batch bumps the generation.
  enum class Reach { kMemories, kKeysOnly };
  Status Submit(Op op, Reach reach);

 private:
  struct Writer;
  bool RunBatchSafely(const std::deque<Writer*>& batch);
  void RunBatch(const std::deque<Writer*>& batch);
  // True when the batch is answered (committed, or failed as a whole); false when it was rolled
  // back to run again with a savepoint per operation.
  bool RunOptimistically(const std::deque<Writer*>& batch);
  Status Begin();
  Status RunOne(Writer& w);

  Status EnsureConnected();

  std::unique_ptr<Connection> conn_;
  Reconnect reconnect_;
  SharedGeneration* const generation_;
  WriteBatchObserver* const observer_;
  std::mutex mu_;
  std::deque<Writer*> queue_;
};

}  // namespace memoryd::sqlstore
