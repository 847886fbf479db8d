// sql::Connection and sql::Statement: the one seam between the SQL store and a database driver
// (SQLite in sqlite_connection.*, PostgreSQL in pg_connection.*). The store's queries are written
// once against it; each driver maps them onto its library. Every driver error becomes a Status
// here; nothing above this layer sees a driver's types.
//
// SQL written for this seam: parameters as `?` or `?N` (a PostgreSQL driver renumbers them as
// `$N`), and only what both dialects accept, or what a driver provides under the same name
// (fold(), metadata_equals(), instr()).
//
// Thread-safety: a Connection and its statements are used by one thread at a time (the store
// hands connections out from a pool or through the write batcher).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "store/fault_plan.h"

namespace memoryd::sql {

// A driver's prepared statement, cached by its connection for the connection's lifetime.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void BindInt(int pos, int64_t value) = 0;
  virtual void BindText(int pos, std::string_view value) = 0;
  virtual void BindBlob(int pos, std::string_view bytes) = 0;
  virtual void BindNull(int pos) = 0;
  // Runs the statement the first time, then moves to the next row: true when a row is there.
  virtual Result<bool> Step() = 0;
  // Ready to step again; with `clear_bindings`, every parameter is unbound (NULL) too.
  virtual void Reset(bool clear_bindings) = 0;
  virtual int64_t ColumnInt(int col) const = 0;
  virtual std::string ColumnText(int col) const = 0;
  // The bytes of a BLOB column; valid until the next Step, Reset or ColumnBlob call.
  virtual std::string_view ColumnBlob(int col) const = 0;
  virtual bool ColumnIsNull(int col) const = 0;
  // Steps to completion, discarding rows, then resets (keeping the bindings).
  Status RunToEnd();
  // See Statement::RunDeferred. This default runs the statement at once.
  virtual Status RunDeferred() { return RunToEnd(); }
};

// A prepared statement borrowed from a connection's cache. Reset and unbound on destruction.
class Statement {
 public:
  explicit Statement(StatementImpl* impl) : impl_(impl) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }

  // Binders use 1-based parameter positions.
  void Bind(int pos, int64_t value) { impl_->BindInt(pos, value); }
  void Bind(int pos, std::string_view value) { impl_->BindText(pos, value); }
  void Bind(int pos, const std::optional<int64_t>& value);
  void Bind(int pos, const std::optional<std::string>& value);
  void BindBlob(int pos, std::string_view bytes) { impl_->BindBlob(pos, bytes); }
  void BindNull(int pos) { impl_->BindNull(pos); }

  // Steps once. Returns true when a row is available, false when done, or kInternal/
  // kUnavailable (database busy or unreachable) on failure.
  Result<bool> Step() { return impl_->Step(); }
  // Steps to completion, discarding rows, then resets for reuse.
  Status Run();
  // Like Run, for a statement whose outcome can wait: a driver that talks to a server may send
  // it without waiting for the answer and report its failure with the connection's next
  // statement that is not deferred (or Flush). Its rows and Changes() are never seen.
  Status RunDeferred() { return impl_->RunDeferred(); }
  // Makes the statement ready to be bound and stepped again.
  void Reset() { impl_->Reset(false); }

  int64_t ColumnInt(int col) const { return impl_->ColumnInt(col); }
  std::string ColumnText(int col) const { return impl_->ColumnText(col); }
  // A BLOB column's bytes (empty for NULL).
  std::string ColumnBytes(int col) const { return std::string(impl_->ColumnBlob(col)); }
  std::optional<int64_t> ColumnOptionalInt(int col) const;
  std::optional<std::string> ColumnOptionalText(int col) const;
  bool ColumnIsNull(int col) const { return impl_->ColumnIsNull(col); }
  // A BLOB column of native floats (empty for NULL or a blob of another size).
  std::vector<float> ColumnFloats(int col) const;

 private:
  StatementImpl* impl_;
};

class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one or more statements without parameters or results.
  Status Exec(std::string_view sql);
  // A cached prepared statement for `sql`. kInternal if it does not compile.
  Result<Statement> Prepare(const std::string& sql);
  // Runs one statement without parameters or results through the statement cache (no parsing
  // after the first time): for the transaction control every write repeats.
  Status Run(const std::string& sql);
  // Run and Statement::RunDeferred for a statement without parameters (SAVEPOINT).
  Status RunDeferred(const std::string& sql);
  // Waits for every deferred statement; the first failure among them, if any.
  virtual Status Flush() { return Status::Ok(); }
  // Rows changed by the last statement that was not deferred.
  virtual int64_t Changes() const = 0;
  // Rows changed by every statement since the connection opened (a driver may count only
  // what it was told of, but it never stays the same across a batch that changed rows).
  virtual int64_t TotalChanges() const = 0;
  // True while a transaction is open on this connection.
  virtual bool InTransaction() const = 0;
  // True once the connection is lost for good (a database server that went away): its owner
  // drops it and opens a new one.
  virtual bool Broken() const { return false; }
  // What opens a write transaction (SQLite: take the write lock at once) and a read-only
  // snapshot of the whole database.
  virtual const std::string& BeginWriteSql() const = 0;
  virtual const std::string& BeginSnapshotSql() const = 0;
  // Run right after BeginWriteSql when not empty: what makes write transactions one at a time
  // across every process on the database, as SQLite's BEGIN IMMEDIATE does by itself. The
  // store's writes read and then write (counters, stored counts, limits), so they rely on it.
  virtual const std::string& WriteLockSql() const {
    static const std::string kNone;
    return kNone;
  }

  // Called where none of the connection's statements is in use (a reader back in its pool, the
  // writer between batches): drops the cached statements once there are more than a bound, since
  // queries built per request (IN lists of varying length) would otherwise grow the cache, and
  // a server's prepared statements, for as long as the connection lives.
  virtual void TrimStatements() {}
  static constexpr size_t kMaxCachedStatements = 256;

  // True when each statement waited for is a round trip to a database server. The write batcher
  // then runs a batch optimistically first: without a savepoint per operation, and again with
  // them only if an operation fails (see write_batcher.h).
  virtual bool RoundTrips() const { return false; }
  // Set by the write batcher while it runs a batch optimistically. A part of an operation that
  // would undo its own changes in a savepoint (Isolated) calls RequestIsolation instead: the
  // batcher then rolls the batch back and runs it again with savepoints.
  bool Optimistic() const { return optimistic_; }
  void SetOptimistic(bool on) {
    optimistic_ = on;
    isolation_requested_ = false;
  }
  void RequestIsolation() { isolation_requested_ = true; }
  bool IsolationRequested() const { return isolation_requested_; }

  // Row ids the current write transaction has looked up (a space's, a tag's), so that the next
  // operation of the batch need not ask again. Forgotten at BEGIN, COMMIT and every ROLLBACK
  // (a savepoint's too), and by ForgetAll. The writers' lock keeps them true meanwhile: only this
  // transaction can change the rows they name, and an operation that deletes such rows calls
  // ForgetAll.
  std::optional<int64_t> Remembered(const std::string& key) const;
  void Remember(std::string key, int64_t id) { memo_.insert_or_assign(std::move(key), id); }
  void ForgetAll() { memo_.clear(); }

  // Tests: every Prepare and Exec asks `faults` first (may be null: none). ROLLBACK and RELEASE are
  // never failed: they close what a failure left open, as a real outage ends the transaction.
  void SetFaultPlan(FaultPlan* faults) { faults_ = faults; }

 protected:
  virtual Status DoExec(std::string_view sql) = 0;
  virtual Result<StatementImpl*> DoPrepare(const std::string& sql) = 0;

 private:
  Status CheckFaults(std::string_view sql);
  // Forgets the remembered ids when `sql` begins or ends a transaction or rolls back to a
  // savepoint.
  void ForgetAtBoundary(std::string_view sql);

  FaultPlan* faults_ = nullptr;
  bool optimistic_ = false;
  bool isolation_requested_ = false;
  std::unordered_map<std::string, int64_t> memo_;
};

// Runs `fn` inside one read transaction, so everything it reads is one snapshot.
template <typename Fn>
Status InSnapshot(Connection& conn, Fn&& fn) {
  MEMORYD_RETURN_IF_ERROR(conn.Exec(conn.BeginSnapshotSql()));
  Status s = fn();
  Status end = conn.Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  return s.ok() ? end : s;
}

}  // namespace memoryd::sql
