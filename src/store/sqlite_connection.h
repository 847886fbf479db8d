// Connection and Statement: a thin RAII layer over one SQLite connection, private to the store.
// Every SQLite error becomes a Status here; nothing above this layer sees SQLite types.
//
// Thread-safety: a Connection is used by one thread at a time (the store hands connections out
// from a pool or through the write batcher).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "store/fault_plan.h"

struct sqlite3;
struct sqlite3_stmt;

namespace memoryd::sqlite {

// A prepared statement borrowed from a connection's cache. Reset and unbound on destruction.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }

  // Binders use 1-based parameter positions, as SQLite does.
  void Bind(int pos, int64_t value);
  void Bind(int pos, std::string_view value);
  void Bind(int pos, const std::optional<int64_t>& value);
  void Bind(int pos, const std::optional<std::string>& value);
  void BindBlob(int pos, std::string_view bytes);
  void BindNull(int pos);

  // Steps once. Returns true when a row is available, false when done, or kInternal/
  // kUnavailable (database busy) on failure.
  Result<bool> Step();
  // Steps to completion, discarding rows, then resets for reuse.
  Status Run();
  // Makes the statement ready to be bound and stepped again.
  void Reset();

  int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  std::optional<int64_t> ColumnOptionalInt(int col) const;
  std::optional<std::string> ColumnOptionalText(int col) const;
  bool ColumnIsNull(int col) const;
  // A BLOB column of native floats (empty for NULL or a blob of another size).
  std::vector<float> ColumnFloats(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file and applies connection pragmas.
  // Returns kInternal if the file cannot be opened.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool full_sync);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results. kInternal on failure.
  Status Exec(std::string_view sql);
  // A cached prepared statement for `sql`. kInternal if it does not compile.
  Result<Statement> Prepare(const std::string& sql);
  // Runs one statement without parameters or results through the statement cache (no parsing
  // after the first time): for the transaction control every write repeats. Errors as Exec.
  Status Run(const std::string& sql);
  // Rows changed by the last statement.
  int64_t Changes() const;
  // Rows changed by every statement since the connection opened, trigger programs included and
  // rolled-back changes too.
  int64_t TotalChanges() const;
  // True while a transaction is open on this connection.
  bool InTransaction() const;
  // Tests: every statement asks `faults` first (may be null: none). ROLLBACK and RELEASE are
  // never failed: they close what a failure left open, as a real outage ends the transaction.
  void SetFaultPlan(FaultPlan* faults) { faults_ = faults; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Status Error(std::string_view what) const;
  Status CheckFaults(std::string_view sql);

  sqlite3* db_;
  FaultPlan* faults_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace memoryd::sqlite
