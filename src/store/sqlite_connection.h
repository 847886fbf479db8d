// The SQLite driver of sql::Connection (sql_connection.h), private to the store. Registers the
// functions the store's SQL uses (fold, metadata_equals) and applies the connection pragmas.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/sql_connection.h"

struct sqlite3;
struct sqlite3_stmt;

namespace memoryd::sqlite {

// The store's code names the driver-neutral types.
using sql::Connection;
using sql::InSnapshot;
using sql::Statement;

class SqliteConnection final : public sql::Connection {
 public:
  // Opens (creating if needed) the database file and applies connection pragmas.
  // Returns kInternal if the file cannot be opened.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool full_sync);
  ~SqliteConnection() override;

  int64_t Changes() const override;
  int64_t TotalChanges() const override;
  bool InTransaction() const override;
  const std::string& BeginWriteSql() const override;
  const std::string& BeginSnapshotSql() const override;
  void TrimStatements() override;

 protected:
  Status DoExec(std::string_view sql) override;
  Result<sql::StatementImpl*> DoPrepare(const std::string& sql) override;

 private:
  class Stmt;
  explicit SqliteConnection(sqlite3* db);

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
};

}  // namespace memoryd::sqlite
