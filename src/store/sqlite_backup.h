// Online backup and checking of SQLite database files, for `memoryd backup` and `memoryd
// restore`. Private to the store's SQLite side, but free of SQLite types.
//
// Thread-safety: free functions; each opens its own connections.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace memoryd::sqlite {

// What a checked database file holds.
struct SnapshotInfo {
  int64_t schema_version = 0;
  int64_t spaces = 0;
  int64_t memories = 0;  // rows, expired ones not yet purged included
  int64_t bytes = 0;     // the file's size
};

// Copies the database at `source` into `dest` (a new, empty file) as one consistent snapshot:
// SQLite's online backup copies every page in one step, inside one read transaction of the
// source, while other connections and processes keep writing (WAL mode). The copy is left in
// rollback-journal mode, one self-contained file. kNotFound when `source` does not exist;
// kInternal on any other failure.
Status CopyDatabase(const std::string& source, const std::string& dest);

// Opens a database file read-only and checks it: PRAGMA integrity_check, a schema version this
// memoryd knows (1 up to sqlite::KnownSchemaVersion()), and the tables it reads. kInvalidArgument
// naming the problem when it is not a sound memoryd database (not SQLite at all, corrupt, of a
// newer schema); kNotFound when there is no file.
Result<SnapshotInfo> CheckSnapshot(const std::string& path);

}  // namespace memoryd::sqlite
