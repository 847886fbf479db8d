// Write helpers of SqlStore shared by its write paths (sql_store_write.cc) and its import
// path (sql_store_import.cc). Private to the store. Each runs on the writer connection inside
// the batch's transaction and returns kInternal on a database failure; statements whose outcome
// the helper does not need are deferred (Statement::RunDeferred), so a failure of one may surface
// with a later statement.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/memory.h"
#include "store/sql_connection.h"

namespace memoryd::sqlstore {

// The space's row id, creating the space (and its account) if needed; stamps last_used.
Result<int64_t> EnsureSpace(Connection& conn, const SpaceRef& space, int64_t now);
// Keeps spaces.stored_count (live and expired rows) exact.
Status AdjustStoredCount(Connection& conn, int64_t space_id, int64_t delta);
// Tag ids for names, creating missing tags; kLimitExceeded over the space's tag limit.
Result<std::vector<int64_t>> EnsureTags(Connection& conn, int64_t space_id,
                                        const std::vector<std::string>& names,
                                        const WriteLimits& limits);
// Replaces the memory's tag links; a new memory (`fresh`) has none to remove.
Status LinkTags(Connection& conn, int64_t seq, const std::vector<int64_t>& tag_ids, bool fresh);

struct ExistingRow {
  int64_t seq = 0;
  std::string id;
  int64_t created_at = 0;
  bool live = false;
};
// The row holding `key` in the space, live or expired.
Result<std::optional<ExistingRow>> FindKeyRow(Connection& conn, int64_t space_id,
                                              std::string_view key, int64_t now);
// Deletes the row (its removal enters the index feed) and adjusts the space's stored count.
Status DeleteRow(Connection& conn, int64_t space_id, int64_t seq);
// Inserts a new row with a fresh seq, created and updated at `now`; returns the seq. The caller
// counts it in the space's stored count.
Result<int64_t> InsertRow(Connection& conn, int64_t space_id, const std::string& id,
                          const MemoryWrite& w, int64_t now);
// Binds the write's embedding (a BLOB of native floats, or NULL) at `pos` and its embedder name
// at `pos + 1`.
void BindEmbedding(Statement& stmt, int pos, const MemoryWrite& w);

}  // namespace memoryd::sqlstore
