#include "store/sqlite_backup.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <memory>

#include "store/sqlite_schema.h"

namespace memoryd::sqlite {
namespace {

constexpr int kBusyTimeoutMillis = 10'000;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Result<Db> OpenFile(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Status::Internal("cannot open " + path + ": " +
                            (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMillis);
  return db;
}

Status Exec(sqlite3* db, const char* sql, const std::string& what) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::Ok();
  std::string message = what + ": " + (error != nullptr ? error : sqlite3_errmsg(db));
  sqlite3_free(error);
  return Status::Internal(std::move(message));
}

// Rows of a query of one text or integer column, as text.
Result<std::vector<std::string>> Column(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    return Status::InvalidArgument(sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  std::vector<std::string> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    rows.emplace_back(text != nullptr ? text : "");
  }
  if (rc != SQLITE_DONE) return Status::InvalidArgument(sqlite3_errmsg(db));
  return rows;
}

Result<int64_t> Integer(sqlite3* db, const char* sql) {
  MEMORYD_ASSIGN_OR_RETURN(auto rows, Column(db, sql));
  if (rows.empty()) return Status::InvalidArgument(std::string("no answer to ") + sql);
  return std::stoll(rows.front());
}

Status CheckIntegrity(sqlite3* db) {
  // A handful of problems is enough to say the file is damaged.
  MEMORYD_ASSIGN_OR_RETURN(auto problems, Column(db, "PRAGMA integrity_check(5)"));
  if (problems.size() == 1 && problems.front() == "ok") return Status::Ok();
  std::string joined;
  for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
  return Status::InvalidArgument("integrity check failed: " + joined);
}

Result<SnapshotInfo> Inspect(sqlite3* db) {
  MEMORYD_RETURN_IF_ERROR(CheckIntegrity(db));
  SnapshotInfo info;
  MEMORYD_ASSIGN_OR_RETURN(info.schema_version, Integer(db, "PRAGMA user_version"));
  const int64_t known = KnownSchemaVersion();
  if (info.schema_version < 1) {
    return Status::InvalidArgument("it holds no memoryd schema (user_version 0)");
  }
  if (info.schema_version > known) {
    return Status::InvalidArgument("its schema version " + std::to_string(info.schema_version) +
                                   " is newer than this memoryd understands (" +
                                   std::to_string(known) + "): use a newer memoryd");
  }
  MEMORYD_ASSIGN_OR_RETURN(info.spaces, Integer(db, "SELECT COUNT(*) FROM spaces"));
  MEMORYD_ASSIGN_OR_RETURN(info.memories, Integer(db, "SELECT COUNT(*) FROM memories"));
  return info;
}

}  // namespace

Status CopyDatabase(const std::string& source, const std::string& dest) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return Status::NotFound("no database at " + source);
  // Read-write without create: a WAL database needs its -shm file even to be read.
  MEMORYD_ASSIGN_OR_RETURN(Db from, OpenFile(source, SQLITE_OPEN_READWRITE));
  MEMORYD_ASSIGN_OR_RETURN(Db to, OpenFile(dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.get(), "main");
  if (backup == nullptr) {
    return Status::Internal("cannot start the backup: " + std::string(sqlite3_errmsg(to.get())));
  }
  // -1: every page in one step, so the copy is one snapshot of the source.
  const int step = sqlite3_backup_step(backup, -1);
  const int finish = sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE || finish != SQLITE_OK) {
    return Status::Internal("backup of " + source + " failed: " + sqlite3_errstr(step) + " / " +
                            sqlite3_errmsg(to.get()));
  }
  // The source's WAL mode came with its pages; the copy stands alone without a -wal file.
  return Exec(to.get(), "PRAGMA journal_mode=DELETE", "finishing the copy " + dest);
}

Result<SnapshotInfo> CheckSnapshot(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound("no file at " + path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  auto db = OpenFile(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return Status::InvalidArgument(db.status().message());
  auto info = Inspect(db->get());
  if (!info.ok()) {
    return Status::InvalidArgument(path +
                                   " is not a sound memoryd database: " + info.status().message());
  }
  info->bytes = static_cast<int64_t>(st.st_size);
  return info;
}

}  // namespace memoryd::sqlite
