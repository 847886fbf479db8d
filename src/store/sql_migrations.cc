#include "store/sql_migrations.h"

namespace memoryd::sql {

Status ApplyMigrations(Connection& conn, std::span<const char* const> migrations, int64_t applied,
                       const std::function<std::string(int64_t)>& record) {
  const auto known = static_cast<int64_t>(migrations.size());
  if (applied > known) {
    return Status::Internal("database schema version " + std::to_string(applied) +
                            " is newer than this memoryd understands (" + std::to_string(known) +
                            ")");
  }
  for (int64_t v = applied; v < known; ++v) {
    MEMORYD_RETURN_IF_ERROR(conn.Exec(conn.BeginWriteSql()));
    Status s = conn.Exec(migrations[static_cast<size_t>(v)]);
    if (s.ok()) s = conn.Exec(record(v + 1));
    if (!s.ok()) {
      (void)conn.Exec("ROLLBACK");
      return Status::Internal("migration " + std::to_string(v + 1) + ": " + s.message());
    }
    MEMORYD_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  }
  return Status::Ok();
}

}  // namespace memoryd::sql
