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
// SqliteStore filters on metadata exactly as InMemoryStore does.
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

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::Bind(int pos, int64_t value) { sqlite3_bind_int64(stmt_, pos, value); }

void Statement::Bind(int pos, std::string_view value) {
  sqlite3_bind_text64(stmt_, pos, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::Bind(int pos, const std::optional<int64_t>& value) {
  if (value) {
    Bind(pos, *value);
  } else {
    BindNull(pos);
  }
}

void Statement::Bind(int pos, const std::optional<std::string>& value) {
  if (value) {
    Bind(pos, std::string_view(*value));
  } else {
    BindNull(pos);
  }
}

void Statement::BindBlob(int pos, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, pos, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

void Statement::BindNull(int pos) { sqlite3_bind_null(stmt_, pos); }

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return FromCode(sqlite3_db_handle(stmt_), rc, "sqlite step");
}

Status Statement::Run() {
  for (;;) {
    auto more = Step();
    if (!more.ok()) return more.status();
    if (!*more) {
      Reset();
      return Status::Ok();
    }
  }
}

void Statement::Reset() { sqlite3_reset(stmt_); }

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  const int len = sqlite3_column_bytes(stmt_, col);
  return text == nullptr ? std::string() : std::string(text, static_cast<size_t>(len));
}

std::optional<int64_t> Statement::ColumnOptionalInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

std::optional<std::string> Statement::ColumnOptionalText(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnText(col);
}

std::vector<float> Statement::ColumnFloats(int col) const {
  const void* blob = sqlite3_column_blob(stmt_, col);
  const auto bytes = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
  std::vector<float> out;
  if (blob == nullptr || bytes % sizeof(float) != 0) return out;
  out.resize(bytes / sizeof(float));
  std::memcpy(out.data(), blob, bytes);
  return out;
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

namespace {

// Process-wide SQLite settings, applied once before the library initialises. Memory statistics
// off: with them on, every allocation inside SQLite takes one global mutex, which all reader
// threads then contend on. (If SQLite was initialised already, the call is refused: harmless.)
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool full_sync) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = FromCode(db, rc, "open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Connection> conn(new Connection(db));  // private constructor
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

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::CheckFaults(std::string_view sql) {
  if (faults_ == nullptr || sql.starts_with("ROLLBACK") || sql.starts_with("RELEASE")) {
    return Status::Ok();
  }
  return faults_->Check(sql);
}

Status Connection::Exec(std::string_view sql) {
  MEMORYD_RETURN_IF_ERROR(CheckFaults(sql));
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

Result<Statement> Connection::Prepare(const std::string& sql) {
  MEMORYD_RETURN_IF_ERROR(CheckFaults(sql));
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare");
  cache_.emplace(sql, stmt);
  return Statement(stmt);
}

Status Connection::Run(const std::string& sql) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
  return stmt.Run();
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

int64_t Connection::TotalChanges() const { return sqlite3_total_changes64(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Connection::Error(std::string_view what) const {
  return FromCode(db_, sqlite3_errcode(db_), what);
}

}  // namespace memoryd::sqlite
