#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <cstring>
#include <mutex>

#include "store/metadata_match.h"
#include "text/case_fold.h"

namespace memoryd::sqlite {
namespace {

constexpr int kBusyTimeoutMillis = 10'000;

Status FromCode(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(std::move(msg));
  return Status::Internal(std::move(msg));
}

// SQL function fold(text): Unicode-aware case folding for substring search.
void FoldFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int len = sqlite3_value_bytes(argv[0]);
  const std::string folded = text::FoldForMatch(std::string_view(text, static_cast<size_t>(len)));
  sqlite3_result_text64(ctx, folded.data(), folded.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// SQL function metadata_equals(metadata, key, json_value): MetadataFieldEquals, so that
// SqlStore filters on metadata exactly as InMemoryStore does.
void MetadataEqualsFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  std::string_view args[3];
  for (int i = 0; i < argc && i < 3; ++i) {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
      sqlite3_result_int(ctx, 0);
      return;
    }
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[i]));
    args[i] = std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(argv[i])));
  }
  try {
    sqlite3_result_int(ctx, argc == 3 && MetadataFieldEquals(args[0], args[1], args[2]) ? 1 : 0);
  } catch (...) {  // only allocation can throw; nothing may unwind through SQLite
    sqlite3_result_error_nomem(ctx);
  }
}

}  // namespace

// One prepared statement, finalized with its connection.
class SqliteConnection::Stmt final : public sql::StatementImpl {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt() override { sqlite3_finalize(stmt_); }

  void BindInt(int pos, int64_t value) override { sqlite3_bind_int64(stmt_, pos, value); }
  void BindText(int pos, std::string_view value) override {
    sqlite3_bind_text64(stmt_, pos, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void BindBlob(int pos, std::string_view bytes) override {
    sqlite3_bind_blob64(stmt_, pos, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  }
  void BindNull(int pos) override { sqlite3_bind_null(stmt_, pos); }

  Result<bool> Step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return FromCode(sqlite3_db_handle(stmt_), rc, "sqlite step");
  }
  void Reset(bool clear_bindings) override {
    sqlite3_reset(stmt_);
    if (clear_bindings) sqlite3_clear_bindings(stmt_);
  }

  int64_t ColumnInt(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string ColumnText(int col) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int len = sqlite3_column_bytes(stmt_, col);
    return text == nullptr ? std::string() : std::string(text, static_cast<size_t>(len));
  }
  std::string_view ColumnBlob(int col) const override {
    const void* blob = sqlite3_column_blob(stmt_, col);
    const auto bytes = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
    if (blob == nullptr) return {};
    return std::string_view(static_cast<const char*>(blob), bytes);
  }
  bool ColumnIsNull(int col) const override {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }

 private:
  sqlite3_stmt* stmt_;
};

namespace {

// Process-wide SQLite settings, applied once before the library initialises. Memory statistics
// off: with them on, every allocation inside SQLite takes one global mutex, which all reader
// threads then contend on. (If SQLite was initialised already, the call is refused: harmless.)
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 bool full_sync) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = FromCode(db, rc, "open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));  // private constructor
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_create_function_v2(db, "fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                             FoldFunction, nullptr, nullptr, nullptr);
  sqlite3_create_function_v2(db, "metadata_equals", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                             MetadataEqualsFunction, nullptr, nullptr, nullptr);
  // Reads go through a shared memory map of the database file (as much of it as SQLite's build
  // allows): a page the OS has cached costs a pointer, not a system call and a copy into each
  // connection's own cache. (The cost: a media error on a mapped page raises SIGBUS instead of
  // failing one read.)
  std::string pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
      "PRAGMA cache_size=-65536; PRAGMA mmap_size=4294967296;";
  pragmas += full_sync ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  MEMORYD_RETURN_IF_ERROR(conn->Exec(pragmas));
  return conn;
}

SqliteConnection::SqliteConnection(sqlite3* db) : db_(db) {}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // statements are finalized before the connection closes
  sqlite3_close(db_);
}

Status SqliteConnection::DoExec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = "sqlite exec: ";
  msg += err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  if ((rc & 0xff) == SQLITE_BUSY) return Status::Unavailable(std::move(msg));
  return Status::Internal(std::move(msg));
}

Result<sql::StatementImpl*> SqliteConnection::DoPrepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return static_cast<sql::StatementImpl*>(it->second.get());
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, sqlite3_errcode(db_), "prepare");
  auto owned = std::make_unique<Stmt>(stmt);
  sql::StatementImpl* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

void SqliteConnection::TrimStatements() {
  if (cache_.size() > kMaxCachedStatements) cache_.clear();
}

int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

int64_t SqliteConnection::TotalChanges() const { return sqlite3_total_changes64(db_); }

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

const std::string& SqliteConnection::BeginWriteSql() const {
  static const std::string kSql = "BEGIN IMMEDIATE";  // take the write lock now, not midway
  return kSql;
}

const std::string& SqliteConnection::BeginSnapshotSql() const {
  static const std::string kSql = "BEGIN";
  return kSql;
}

}  // namespace memoryd::sqlite
