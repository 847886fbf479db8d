// Versioned schema migrations for the PostgreSQL store. The table memoryd_schema records the
// migrations applied; each runs in its own transaction, and all of them under one advisory lock,
// so nodes starting together apply each migration exactly once. Needs PostgreSQL 13 or newer.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "store/sql_connection.h"

namespace memoryd::pg {

// Brings the schema up to date. kInternal on failure, or if the database is newer than this
// binary understands; kUnavailable when the server cannot be reached.
Status Migrate(sql::Connection& conn);

// The schema version this binary migrates to (the number of migrations it knows).
int64_t KnownSchemaVersion();

}  // namespace memoryd::pg
