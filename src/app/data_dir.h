// The data directory: where the store lives. Shared by every command that opens it.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/sql_store.h"

namespace memoryd {

// Where the store lives: the data directory's SQLite database, or, given a PostgreSQL URL
// (`--database`, MEMORYD_DATABASE_URL), that database, the data directory then holding only
// this node's own files (saved indexes, the generation counter).
struct StoreLocation {
  std::string data_dir;
  std::string database_url;  // empty: SQLite in data_dir
};

// Creates the directory if needed and opens (migrating) the store, with a read cache of
// `read_cache_bytes` (0 = none; always none on PostgreSQL); `write_observer` (may be null) is
// told of every group commit. kInternal on failure (kUnavailable when PostgreSQL cannot be
// reached). Directories are made 0700 and files 0600 by the process's umask (cli/commands.cc);
// an existing directory has group and other permissions taken away from it and everything in
// it.
Result<std::unique_ptr<SqlStore>> OpenStore(const StoreLocation& where, bool full_sync,
                                            int64_t read_cache_bytes,
                                            WriteBatchObserver* write_observer = nullptr);

// kNotFound unless `data_dir` holds a database: for commands that must not create one.
Status RequireDataDir(const std::string& data_dir);
// RequireDataDir, unless the store is in PostgreSQL (whose schema a command may create).
Status RequireStore(const StoreLocation& where);

// Where a node's saved search indexes go: `index` in the data directory (`index-postgres` for a
// PostgreSQL store, so that one directory never mixes the indexes of two stores).
std::string IndexDir(const StoreLocation& where);

}  // namespace memoryd
