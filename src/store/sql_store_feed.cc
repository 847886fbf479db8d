// SqlStore: the index feed (versions, removals, embeddings) that search indexes follow.
#include <algorithm>
#include <string>

#include "store/pg_listener.h"
#include "store/sql_connection.h"
#include "store/sql_queries.h"
#include "store/sql_reader_lease.h"
#include "store/sql_store.h"
#include "store/write_batcher.h"

namespace memoryd {

using sql::Connection;

namespace {

constexpr const char* kIndexColumns =
    "SELECT seq, space_id, version, key, title, text, expires_at, embedder,"
    " CASE WHEN version > ? THEN embedding END FROM memories ";

IndexRecord ReadIndexRecord(const sql::Statement& stmt) {
  IndexRecord r;
  r.seq = stmt.ColumnInt(0);
  r.space_id = stmt.ColumnInt(1);
  r.version = stmt.ColumnInt(2);
  r.key = stmt.ColumnOptionalText(3);
  r.title = stmt.ColumnText(4);
  r.text = stmt.ColumnText(5);
  r.expires_at = stmt.ColumnOptionalInt(6);
  r.embedder = stmt.ColumnText(7);
  r.embedding = stmt.ColumnFloats(8);
  return r;
}

Result<int64_t> Counter(Connection& conn, std::string_view name) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT value FROM counters WHERE name = ?"));
  stmt.Bind(1, name);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal("counter '" + std::string(name) + "' is missing");
  const int64_t value = stmt.ColumnInt(0);
  stmt.Reset();
  return value;
}

Status ReadChanges(Connection& conn, int64_t version, int64_t limit, IndexChanges* out) {
  MEMORYD_ASSIGN_OR_RETURN(out->version, Counter(conn, "version"));
  MEMORYD_ASSIGN_OR_RETURN(const int64_t floor, Counter(conn, "removal_floor"));
  if (version < floor) {
    out->complete = false;
    return Status::Ok();
  }
  // Versions are dense, so a window of `limit` versions holds at most `limit` changes.
  const int64_t upto = std::min(out->version, version + limit);
  MEMORYD_ASSIGN_OR_RETURN(auto upserts,
                           conn.Prepare(std::string(kIndexColumns) +
                                        "WHERE version > ?2 AND version <= ?3 ORDER BY version"));
  upserts.Bind(1, int64_t{-1});
  upserts.Bind(2, version);
  upserts.Bind(3, upto);
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, upserts.Step());
    if (!row) break;
    out->upserts.push_back(ReadIndexRecord(upserts));
  }
  MEMORYD_ASSIGN_OR_RETURN(auto removals,
                           conn.Prepare("SELECT version, space_id, memory_seq FROM removals"
                                        " WHERE version > ? AND version <= ? ORDER BY version"));
  removals.Bind(1, version);
  removals.Bind(2, upto);
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, removals.Step());
    if (!row) break;
    out->removals.push_back({removals.ColumnInt(0), removals.ColumnInt(1), removals.ColumnInt(2)});
  }
  out->version = upto;
  return Status::Ok();
}

}  // namespace

Result<StoreTotals> SqlStore::Totals() {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  // stored_count is kept by every write path (expired memories count until purged), so this
  // reads one row per space, not the memories.
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, (*lease).Prepare("SELECT COUNT(*), COALESCE(SUM(stored_count), 0) FROM spaces"));
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal("counting spaces returned no row");
  StoreTotals totals{stmt.ColumnInt(0), stmt.ColumnInt(1)};
  stmt.Reset();
  return totals;
}

std::unique_ptr<Store::Watch> SqlStore::WatchChanges(std::function<void()> on_change) {
  if (options_.database_url.empty() || !on_change) return nullptr;
  return std::make_unique<pg::FeedListener>(options_.database_url, std::move(on_change));
}

Result<int64_t> SqlStore::CurrentVersion() {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  return Counter(*lease, "version");
}

Result<IndexChanges> SqlStore::ChangesSince(int64_t version, int64_t limit) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  IndexChanges out;
  MEMORYD_RETURN_IF_ERROR(InSnapshot(
      *lease, [&] { return ReadChanges(*lease, version, std::max<int64_t>(1, limit), &out); }));
  return out;
}

Result<int64_t> SqlStore::ScanIndex(int64_t embeddings_after,
                                    const std::function<Status(IndexRecord&&)>& fn) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  int64_t version = 0;
  MEMORYD_RETURN_IF_ERROR(InSnapshot(*lease, [&]() -> Status {
    MEMORYD_ASSIGN_OR_RETURN(version, Counter(*lease, "version"));
    MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                             (*lease).Prepare(std::string(kIndexColumns) + "ORDER BY seq"));
    stmt.Bind(1, embeddings_after);
    for (;;) {
      MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      MEMORYD_RETURN_IF_ERROR(fn(ReadIndexRecord(stmt)));
    }
    return Status::Ok();
  }));
  return version;
}

Result<std::vector<EmbeddingTask>> SqlStore::StaleEmbeddings(std::string_view embedder,
                                                             int64_t limit) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, (*lease).Prepare("SELECT seq, version, key, title, text FROM memories"
                                  " WHERE embedder < ?1 OR embedder > ?1 ORDER BY seq LIMIT ?2"));
  stmt.Bind(1, embedder);
  stmt.Bind(2, sqlstore::SqlLimit(limit));
  std::vector<EmbeddingTask> out;
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    EmbeddingTask task;
    task.seq = stmt.ColumnInt(0);
    task.version = stmt.ColumnInt(1);
    task.key = stmt.ColumnOptionalText(2);
    task.title = stmt.ColumnText(3);
    task.text = stmt.ColumnText(4);
    out.push_back(std::move(task));
  }
  return out;
}

Result<int64_t> SqlStore::CountStaleEmbeddings(std::string_view embedder) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  // embedder is '' when there is no embedding (a refused text has a name and none); two
  // range scans of its index.
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, (*lease).Prepare("SELECT COUNT(*) FROM memories WHERE"
                                                       " embedder < ?1 OR embedder > ?1"));
  stmt.Bind(1, embedder);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : int64_t{0};
}

Result<int64_t> SqlStore::SetEmbeddings(const std::vector<EmbeddingUpdate>& updates,
                                        std::string_view embedder) {
  int64_t stored = 0;
  if (updates.empty()) return stored;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    stored = 0;  // a batch may run twice (write_batcher.h)
    MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                             conn.Prepare("UPDATE memories SET embedding = ?, embedder = ?"
                                          " WHERE seq = ? AND version = ?"));
    for (const EmbeddingUpdate& u : updates) {
      stmt.BindBlob(1, std::string_view(reinterpret_cast<const char*>(u.vector.data()),
                                        u.vector.size() * sizeof(float)));
      stmt.Bind(2, embedder);
      stmt.Bind(3, u.seq);
      stmt.Bind(4, u.version);
      MEMORYD_RETURN_IF_ERROR(stmt.Run());
      stored += conn.Changes();
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stored;
}

}  // namespace memoryd
