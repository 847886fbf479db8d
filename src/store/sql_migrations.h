// Applying versioned schema migrations, the same way on every SQL backend: each migration after
// the applied version runs in its own write transaction together with the statement recording
// its number, so an interrupted upgrade leaves the previous schema intact.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/status.h"
#include "store/sql_connection.h"

namespace memoryd::sql {

// Applies migrations[applied..]; `record(n)` is the SQL that records version n. kInternal when
// the database is newer than `migrations` or a migration fails (naming its number).
Status ApplyMigrations(Connection& conn, std::span<const char* const> migrations, int64_t applied,
                       const std::function<std::string(int64_t)>& record);

}  // namespace memoryd::sql
