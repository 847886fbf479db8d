// The PostgreSQL driver of sql::Connection (sql_connection.h), over libpq, private to the store.
//
// The store's SQL is rewritten once per statement: `?N` and `?` parameters become `$N`. Every
// statement is prepared on the server the first time a connection runs it and executed by name
// afterwards. Parameters go as text, except BLOBs (bytea, binary); results come as text (bytea
// as hex, booleans as t/f, which ColumnInt reads as 1/0).
//
// Statements run with RunDeferred are sent in libpq's pipeline mode without waiting; the next
// statement that waits joins the pipeline, so one round trip answers all of them.
//
// Errors: a lost connection, a query cancelled by a timeout, a serialization failure or a
// deadlock is kUnavailable (retry later); anything else is kInternal. After a lost connection
// the Connection stays broken (Broken() is true): its owner drops it and opens a new one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/sql_connection.h"

struct pg_conn;
struct pg_result;

namespace memoryd::pg {

class PgConnection final : public sql::Connection {
 public:
  // Connects to `url` (a libpq connection URL or keyword string). kUnavailable when the server
  // cannot be reached, with libpq's reason (the password never appears in it).
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);
  ~PgConnection() override;

  int64_t Changes() const override { return changes_; }
  int64_t TotalChanges() const override { return total_changes_; }
  bool InTransaction() const override;
  const std::string& BeginWriteSql() const override;
  const std::string& BeginSnapshotSql() const override;
  const std::string& WriteLockSql() const override;
  bool Broken() const override;
  Status Flush() override;
  bool RoundTrips() const override { return true; }
  void TrimStatements() override;

  // LISTEN: the connection's socket, to wait on; and whether notifications arrived, reading what
  // the socket holds (kUnavailable once the connection is lost).
  int Socket() const;
  Result<bool> TakeNotifications();

  // `?N` and `?` placeholders as `$N`, outside quoted strings; sets `*count` to the number of
  // parameters.
  static std::string RewritePlaceholders(std::string_view sql, int* count);

 protected:
  Status DoExec(std::string_view sql) override;
  Result<sql::StatementImpl*> DoPrepare(const std::string& sql) override;

 private:
  class Stmt;
  explicit PgConnection(pg_conn* conn);
  void CountChanges(int64_t n);
  using ResultHandle = std::unique_ptr<pg_result, void (*)(pg_result*)>;
  // Queues one query in the pipeline (entering pipeline mode first); `send` is the libpq call.
  Status Send(const std::function<int(pg_conn*)>& send);
  // Syncs the pipeline and reads every answer: the first failure, or else the last query's
  // result when `keep_last` (null otherwise). Leaves pipeline mode.
  Result<ResultHandle> Sync(bool keep_last);

  pg_conn* conn_;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
  int64_t changes_ = 0;
  int64_t total_changes_ = 0;
  int64_t named_ = 0;    // statements prepared so far: each gets a name never used before
  int pending_ = 0;      // queries sent in the pipeline since its last sync
  bool broken_ = false;  // a pipeline that could not be closed
};

}  // namespace memoryd::pg
