// The data directory: where the store lives. Shared by every command that opens it.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/sqlite_store.h"

namespace memoryd {

// Creates the directory if needed and opens (migrating) its database, with a read cache of
// `read_cache_bytes` (0 = none); `write_observer` (may be null) is told of every group commit.
// kInternal on failure. Directories are made 0700 and files 0600 by the process's umask
// (cli/commands.cc); an existing directory has group and other permissions taken away from it
// and everything in it.
Result<std::unique_ptr<SqliteStore>> OpenDataDir(const std::string& data_dir, bool full_sync,
                                                 int64_t read_cache_bytes,
                                                 WriteBatchObserver* write_observer = nullptr);

// kNotFound unless `data_dir` holds a database: for commands that must not create one.
Status RequireDataDir(const std::string& data_dir);

}  // namespace memoryd
