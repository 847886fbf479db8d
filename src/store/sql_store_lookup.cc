// SqlStore: reads for search and by-id access across an account's spaces.
#include <algorithm>
#include <unordered_map>

#include "store/metadata_match.h"
#include "store/sql_connection.h"
#include "store/sql_queries.h"
#include "store/sql_reader_lease.h"
#include "store/sql_store.h"
#include "store/store_rules.h"

namespace memoryd {

namespace {

const std::string kLiveM = store_rules::LiveSql();

// Appends "?, ?, ..." for n parameters.
std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

std::vector<std::string> Unique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// The WHERE conditions of a filter, in the order BindFilter binds them.
std::string FilterSql(const SearchFilter& f, const std::vector<std::string>& any,
                      const std::vector<std::string>& all) {
  std::string sql;
  if (f.created_after) sql += " AND m.created_at > ?";
  if (f.created_before) sql += " AND m.created_at < ?";
  if (!any.empty()) {
    sql +=
        " AND EXISTS (SELECT 1 FROM memory_tags mt JOIN tags t ON t.id = mt.tag_id"
        " WHERE mt.memory_seq = m.seq AND t.name IN (" +
        Placeholders(any.size()) + "))";
  }
  if (!all.empty()) {
    sql +=
        " AND (SELECT COUNT(*) FROM memory_tags mt JOIN tags t ON t.id = mt.tag_id"
        " WHERE mt.memory_seq = m.seq AND t.name IN (" +
        Placeholders(all.size()) + ")) = ?";
  }
  for (size_t i = 0; i < f.metadata.size(); ++i) {
    // JSON value equality on the exact key (store/metadata_match.h); json_extract would equate
    // true with 1 and a string with an object, and cannot address every key.
    sql += " AND metadata_equals(m.metadata, ?, ?)";
  }
  return sql;
}

void BindFilter(sql::Statement& stmt, int pos, const SearchFilter& f,
                const std::vector<std::string>& any, const std::vector<std::string>& all) {
  if (f.created_after) stmt.Bind(pos++, *f.created_after);
  if (f.created_before) stmt.Bind(pos++, *f.created_before);
  for (const auto& tag : any) stmt.Bind(pos++, std::string_view(tag));
  for (const auto& tag : all) stmt.Bind(pos++, std::string_view(tag));
  if (!all.empty()) stmt.Bind(pos++, static_cast<int64_t>(all.size()));
  for (const auto& match : f.metadata) {
    stmt.Bind(pos++, std::string_view(match.key));
    stmt.Bind(pos++, std::string_view(match.json_value));
  }
}

}  // namespace

Result<std::optional<int64_t>> SqlStore::FindSpaceId(const SpaceRef& space) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  return sqlstore::FindSpaceId(*lease, space);
}

Result<Memory> SqlStore::FindById(AccountId account, std::string_view id, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           (*lease).Prepare(std::string(sqlstore::kSelectMemoryWithSpace) +
                                            "WHERE m.id = ? AND s.account_id = ? AND" + kLiveM));
  stmt.Bind(1, id);
  stmt.Bind(2, account);
  stmt.Bind(3, now);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("memory with id '" + std::string(id) + "' not found");
  return sqlstore::ReadMemoryRow(stmt, stmt.ColumnText(10));
}

namespace {

// Seqs per statement where each statement is a round trip (PostgreSQL): a search's page of hits
// in one. Always this many parameters, padded with a seq no memory has, so one statement serves.
constexpr size_t kSeqsPerStatement = 32;

// One statement per kSeqsPerStatement seqs; the rows come back in the order of `seqs`.
Result<std::vector<Memory>> LoadBySeqsBatched(sql::Connection& conn,
                                              const std::vector<int64_t>& seqs, int64_t now) {
  static const std::string kSql = std::string(sqlstore::kSelectMemoryWithSpace) +
                                  "WHERE m.seq IN (" + Placeholders(kSeqsPerStatement) + ") AND" +
                                  store_rules::LiveSql("m", "?");
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSql));
  std::unordered_map<int64_t, Memory> found;
  for (size_t start = 0; start < seqs.size(); start += kSeqsPerStatement) {
    for (size_t i = 0; i < kSeqsPerStatement; ++i) {
      const size_t at = start + i;
      stmt.Bind(static_cast<int>(i + 1), at < seqs.size() ? seqs[at] : int64_t{-1});
    }
    stmt.Bind(static_cast<int>(kSeqsPerStatement + 1), now);
    for (;;) {
      MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      Memory m = sqlstore::ReadMemoryRow(stmt, stmt.ColumnText(10));
      const int64_t seq = m.seq;
      found.emplace(seq, std::move(m));
    }
    stmt.Reset();
  }
  std::vector<Memory> out;
  out.reserve(found.size());
  for (int64_t seq : seqs) {
    auto it = found.find(seq);
    if (it == found.end()) continue;
    out.push_back(std::move(it->second));
    found.erase(it);
  }
  return out;
}

}  // namespace

Result<std::vector<Memory>> SqlStore::LoadBySeqs(const std::vector<int64_t>& seqs, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  if ((*lease).RoundTrips()) return LoadBySeqsBatched(*lease, seqs, now);
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           (*lease).Prepare(std::string(sqlstore::kSelectMemoryWithSpace) +
                                            "WHERE m.seq = ? AND" + kLiveM));
  std::vector<Memory> out;
  out.reserve(seqs.size());
  for (int64_t seq : seqs) {
    stmt.Bind(1, seq);
    stmt.Bind(2, now);
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) out.push_back(sqlstore::ReadMemoryRow(stmt, stmt.ColumnText(10)));
    stmt.Reset();
  }
  return out;
}

Result<std::vector<int64_t>> SqlStore::MatchingSeqs(const SpaceRef& space,
                                                    const SearchFilter& filter, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  std::vector<int64_t> out;
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(*lease, space));
  if (!space_id) return out;
  for (const auto& match : filter.metadata) {
    if (!IsJsonValue(match.json_value)) return out;
  }
  const auto any = Unique(filter.tags_any);
  const auto all = Unique(filter.tags_all);
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, (*lease).Prepare("SELECT m.seq FROM memories m WHERE m.space_id = ? AND" + kLiveM +
                                  FilterSql(filter, any, all) + " ORDER BY m.seq"));
  stmt.Bind(1, *space_id);
  stmt.Bind(2, now);
  BindFilter(stmt, 3, filter, any, all);
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnInt(0));
  }
  return out;
}

}  // namespace memoryd
