#include "store/sql_queries.h"

#include "store/store_rules.h"

namespace memoryd::sqlstore {
namespace {

// The memory's tags are kept twice: in memory_tags for tag queries, and joined in memories.tags
// (in order) so that reading a memory is one row.
const std::string kSelectMemory =
    "SELECT m.seq, m.id, m.key, m.title, m.text, m.metadata, m.created_at, m.updated_at,"
    " m.expires_at, m.tags FROM memories m ";

const std::string kLive = store_rules::LiveSql();

}  // namespace

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string joined;
  for (const auto& tag : tags) {
    if (!joined.empty()) joined += kTagSeparator;
    joined += tag;
  }
  return joined;
}

std::vector<std::string> SplitTags(const std::string& joined) {
  std::vector<std::string> tags;
  if (joined.empty()) return tags;
  size_t start = 0;
  for (;;) {
    const size_t end = joined.find(kTagSeparator, start);
    tags.push_back(joined.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return tags;
}

Memory ReadMemoryRow(const Statement& stmt, std::string_view space) {
  Memory m;
  m.seq = stmt.ColumnInt(0);
  m.id = stmt.ColumnText(1);
  m.space = std::string(space);
  m.key = stmt.ColumnOptionalText(2);
  m.title = stmt.ColumnText(3);
  m.text = stmt.ColumnText(4);
  m.metadata_json = stmt.ColumnText(5);
  m.created_at = stmt.ColumnInt(6);
  m.updated_at = stmt.ColumnInt(7);
  m.expires_at = stmt.ColumnOptionalInt(8);
  m.tags = SplitTags(stmt.ColumnText(9));
  return m;
}

namespace {

Memory ReadMemory(const Statement& stmt, std::string_view space) {
  return ReadMemoryRow(stmt, space);
}

Result<std::optional<Memory>> LoadOne(Connection& conn, const std::string& where, int64_t space_id,
                                      std::string_view space, std::string_view value, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectMemory + where));
  stmt.Bind(1, space_id);
  stmt.Bind(2, value);
  stmt.Bind(3, now);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Memory>();
  return std::optional<Memory>(ReadMemory(stmt, space));
}

}  // namespace

Result<std::optional<int64_t>> FindSpaceId(Connection& conn, const SpaceRef& space) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT id FROM spaces WHERE account_id = ? AND name = ?"));
  stmt.Bind(1, space.account_id);
  stmt.Bind(2, std::string_view(space.name));
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt.ColumnInt(0));
}

Result<std::optional<Memory>> LoadByKey(Connection& conn, int64_t space_id, std::string_view space,
                                        std::string_view key, int64_t now) {
  return LoadOne(conn, "WHERE m.space_id = ? AND m.key = ? AND" + kLive, space_id, space, key, now);
}

namespace {

// Every row of `stmt` (kSelectMemory's columns) as a memory of `space`.
Result<std::vector<Memory>> ReadMemories(Statement& stmt, std::string_view space) {
  std::vector<Memory> out;
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadMemory(stmt, space));
  }
  return out;
}

}  // namespace

Result<std::vector<Memory>> LoadPage(Connection& conn, int64_t space_id, std::string_view space,
                                     const std::string& order_sql, int64_t offset, int64_t limit,
                                     int64_t now,
                                     std::optional<std::pair<int64_t, int64_t>> before) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare(kSelectMemory + "WHERE m.space_id = ? AND" + kLive +
                                        "AND (m.created_at, m.seq) < (?, ?) ORDER BY " + order_sql +
                                        " LIMIT ? OFFSET ?"));
  stmt.Bind(1, space_id);
  stmt.Bind(2, now);
  stmt.Bind(3, before ? before->first : INT64_MAX);
  stmt.Bind(4, before ? before->second : INT64_MAX);
  stmt.Bind(5, SqlLimit(limit));
  stmt.Bind(6, offset);
  return ReadMemories(stmt, space);
}

Result<std::vector<Memory>> LoadContaining(Connection& conn, int64_t space_id,
                                           std::string_view space, std::string_view needle,
                                           int64_t limit, int64_t now) {
  static const std::string kSql = kSelectMemory + "WHERE m.space_id = ?1 AND" +
                                  store_rules::LiveSql("m", "?2") +
                                  " AND (instr(fold(COALESCE(m.key, m.id)), fold(?3)) > 0"
                                  " OR instr(fold(m.text), fold(?3)) > 0)"
                                  " ORDER BY m.updated_at DESC, m.seq DESC LIMIT ?4";
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSql));
  stmt.Bind(1, space_id);
  stmt.Bind(2, now);
  stmt.Bind(3, needle);
  stmt.Bind(4, SqlLimit(limit));
  return ReadMemories(stmt, space);
}

Result<int64_t> CountLive(Connection& conn, int64_t space_id, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT COUNT(*) FROM memories m WHERE m.space_id = ? AND" + kLive));
  stmt.Bind(1, space_id);
  stmt.Bind(2, now);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

Result<std::vector<std::optional<int64_t>>> FindTagIds(Connection& conn, int64_t space_id,
                                                       const std::vector<std::string>& names) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT id FROM tags WHERE space_id = ? AND name = ?"));
  std::vector<std::optional<int64_t>> ids;
  ids.reserve(names.size());
  for (const auto& name : names) {
    stmt.Bind(1, space_id);
    stmt.Bind(2, std::string_view(name));
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    ids.push_back(row ? std::optional<int64_t>(stmt.ColumnInt(0)) : std::nullopt);
    stmt.Reset();
  }
  return ids;
}

}  // namespace memoryd::sqlstore
