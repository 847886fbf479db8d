// Versioned schema migrations for the SQLite store. The database's PRAGMA user_version records
// the last migration applied; each migration runs in its own transaction.
#pragma once

#include "core/status.h"
#include "store/sqlite_connection.h"

namespace memoryd::sqlite {

// Brings the schema up to date. kInternal on failure, or if the database is newer than this
// binary understands.
Status Migrate(Connection& conn);

// The schema version this binary migrates to (the number of migrations it knows).
int64_t KnownSchemaVersion();

}  // namespace memoryd::sqlite
