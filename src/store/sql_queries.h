// Queries shared by SqlStore's read and write paths. Each function runs on the connection it
// is given (a reader's, or the writer's inside a transaction) and returns kInternal on a
// database failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "model/memory.h"
#include "store/sql_connection.h"

namespace memoryd::sqlstore {

using sql::Connection;
using sql::InSnapshot;
using sql::Statement;

// A limit as bound to LIMIT: a negative one (no limit) as the largest number, since SQLite reads a
// negative LIMIT as none and PostgreSQL refuses it.
inline int64_t SqlLimit(int64_t limit) { return limit < 0 ? INT64_MAX : limit; }

// A memory's tags as stored in memories.tags: joined by the unit separator, which tags never
// contain (they are validated to hold no control characters).
inline constexpr char kTagSeparator = '\x1f';
std::string JoinTags(const std::vector<std::string>& tags);
std::vector<std::string> SplitTags(const std::string& joined);

// Selects a whole memory and, as column 10, the name of its space; append the WHERE clause.
inline constexpr const char* kSelectMemoryWithSpace =
    "SELECT m.seq, m.id, m.key, m.title, m.text, m.metadata, m.created_at, m.updated_at,"
    " m.expires_at, m.tags, s.name FROM memories m JOIN spaces s ON s.id = m.space_id ";
// Reads the memory columns of a row selected as above (or by the module's own select).
Memory ReadMemoryRow(const Statement& stmt, std::string_view space);

// The space's row id, or nullopt if it has never been written.
Result<std::optional<int64_t>> FindSpaceId(Connection& conn, const SpaceRef& space);

// The live memory with this key, or nullopt.
Result<std::optional<Memory>> LoadByKey(Connection& conn, int64_t space_id, std::string_view space,
                                        std::string_view key, int64_t now);
// Live memories ordered by `order_sql` (e.g. "m.updated_at DESC, m.seq DESC").
// With `before`, only memories ordered after that (created_at, seq) position (for the
// newest-first order "m.created_at DESC, m.seq DESC").
Result<std::vector<Memory>> LoadPage(Connection& conn, int64_t space_id, std::string_view space,
                                     const std::string& order_sql, int64_t offset, int64_t limit,
                                     int64_t now,
                                     std::optional<std::pair<int64_t, int64_t>> before = {});
// Live memories whose key (or id) or text contains `needle`, ignoring case (text::FoldForMatch);
// most recently updated first.
Result<std::vector<Memory>> LoadContaining(Connection& conn, int64_t space_id,
                                           std::string_view space, std::string_view needle,
                                           int64_t limit, int64_t now);
Result<int64_t> CountLive(Connection& conn, int64_t space_id, int64_t now);
// Tag ids for names, in order; nullopt for a name that is not a tag of the space.
Result<std::vector<std::optional<int64_t>>> FindTagIds(Connection& conn, int64_t space_id,
                                                       const std::vector<std::string>& names);

}  // namespace memoryd::sqlstore
