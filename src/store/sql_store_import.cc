// SqlStore: export (one read snapshot) and import (one write transaction per batch, through
// the write batcher, so the index feed's triggers and the shared generation see every change).
#include <algorithm>

#include "store/import_rules.h"
#include "store/sql_connection.h"
#include "store/sql_queries.h"
#include "store/sql_reader_lease.h"
#include "store/sql_store.h"
#include "store/sql_write_ops.h"
#include "store/store_rules.h"
#include "store/write_batcher.h"

namespace memoryd {

using sql::Connection;

namespace {

// Columns 0-10 as kSelectMemoryWithSpace, then the embedder and (when asked) the embedding.
const std::string kExportSql =
    "SELECT m.seq, m.id, m.key, m.title, m.text, m.metadata, m.created_at, m.updated_at,"
    " m.expires_at, m.tags, s.name, m.embedder, CASE WHEN ?1 THEN m.embedding END"
    " FROM memories m JOIN spaces s ON s.id = m.space_id"
    " WHERE s.account_id = ?2 AND (CAST(?3 AS TEXT) IS NULL OR s.name = ?3)"
    " AND" +
    store_rules::LiveSql("m", "?4") + "ORDER BY s.name, m.created_at, m.seq";

// The memory stored under an id, with what an import compares and rewrites.
struct StoredRow {
  int64_t seq = 0;
  int64_t space_id = 0;
  AccountId account = 0;
  bool live = false;
  MemoryRecord record;
};

Result<std::optional<StoredRow>> FindStoredById(Connection& conn, std::string_view id,
                                                int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("SELECT m.seq, m.id, m.key, m.title, m.text, m.metadata,"
                   " m.created_at, m.updated_at, m.expires_at, m.tags, s.name,"
                   " m.embedder, m.embedding, m.space_id, s.account_id," +
                   store_rules::LiveSql("m", "?2") +
                   "FROM memories m JOIN spaces s ON s.id = m.space_id WHERE m.id = ?1"));
  stmt.Bind(1, id);
  stmt.Bind(2, now);
  MEMORYD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<StoredRow>();
  StoredRow row;
  row.seq = stmt.ColumnInt(0);
  row.record.memory = sqlstore::ReadMemoryRow(stmt, stmt.ColumnText(10));
  row.record.embedder = stmt.ColumnText(11);
  row.record.embedding = stmt.ColumnFloats(12);
  row.space_id = stmt.ColumnInt(13);
  row.account = stmt.ColumnInt(14);
  row.live = stmt.ColumnInt(15) != 0;
  stmt.Reset();
  return std::optional<StoredRow>(std::move(row));
}

MemoryWrite ToWrite(const MemoryRecord& rec) {
  MemoryWrite w;
  w.key = rec.memory.key;
  w.title = rec.memory.title;
  w.text = rec.memory.text;
  w.tags = UniqueTags(rec.memory.tags);
  w.metadata_json = rec.memory.metadata_json;
  w.expires_at = rec.memory.expires_at;
  w.embedding = rec.embedding;
  w.embedder = rec.embedder;
  return w;
}

// Rewrites the row's content from the record; the stored embedding stays when
// `keep_embedding` (the record brings none and the embedded text is unchanged).
Status RewriteRow(Connection& conn, int64_t seq, const MemoryRecord& rec, bool keep_embedding) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("UPDATE memories SET key = ?1, title = ?2, text = ?3,"
                   " metadata = ?4, tags = ?5, created_at = ?6, updated_at = ?7,"
                   " expires_at = ?8, embedding = CASE WHEN ?9 THEN embedding ELSE ?10 END,"
                   " embedder = CASE WHEN ?9 THEN embedder ELSE ?11 END WHERE seq = ?12"));
  const MemoryWrite w = ToWrite(rec);
  stmt.Bind(1, w.key);
  stmt.Bind(2, std::string_view(w.title));
  stmt.Bind(3, std::string_view(w.text));
  stmt.Bind(4, std::string_view(w.metadata_json));
  stmt.Bind(5, std::string_view(sqlstore::JoinTags(w.tags)));
  stmt.Bind(6, rec.memory.created_at);
  stmt.Bind(7, rec.memory.updated_at);
  stmt.Bind(8, w.expires_at);
  stmt.Bind(9, int64_t{keep_embedding ? 1 : 0});
  sqlstore::BindEmbedding(stmt, 10, w);
  stmt.Bind(12, seq);
  return stmt.RunDeferred();
}

// InsertRow stamps both times with one `now`; an import keeps the record's own.
Status SetTimes(Connection& conn, int64_t seq, const Memory& m) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("UPDATE memories SET created_at = ?, updated_at = ? WHERE seq = ?"));
  stmt.Bind(1, m.created_at);
  stmt.Bind(2, m.updated_at);
  stmt.Bind(3, seq);
  return stmt.RunDeferred();
}

// Deletes a memory other than the record's own that holds its (space, key); returns whether a
// live one was displaced.
Result<bool> FreeKey(Connection& conn, int64_t space_id, const MemoryRecord& rec, int64_t now) {
  if (!rec.memory.key) return false;
  MEMORYD_ASSIGN_OR_RETURN(auto holder, sqlstore::FindKeyRow(conn, space_id, *rec.memory.key, now));
  if (!holder || holder->id == rec.memory.id) return false;
  MEMORYD_RETURN_IF_ERROR(sqlstore::DeleteRow(conn, space_id, holder->seq));
  return holder->live;
}

Result<ImportOutcome> ImportOne(Connection& conn, AccountId account, const MemoryRecord& rec,
                                int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto stored, FindStoredById(conn, rec.memory.id, now));
  if (stored && stored->account != account) {
    return Status::Conflict("id '" + rec.memory.id + "' belongs to another account");
  }
  if (stored && SameImportedContent(stored->record.memory, stored->record.embedding,
                                    stored->record.embedder, rec))
    return ImportOutcome::kUnchanged;
  MEMORYD_ASSIGN_OR_RETURN(const int64_t space_id,
                           sqlstore::EnsureSpace(conn, SpaceRef{account, rec.memory.space}, now));
  MEMORYD_ASSIGN_OR_RETURN(bool replaced, FreeKey(conn, space_id, rec, now));
  MEMORYD_ASSIGN_OR_RETURN(auto tag_ids,
                           sqlstore::EnsureTags(conn, space_id, UniqueTags(rec.memory.tags), {}));
  if (stored && stored->space_id != space_id) {
    // A memory never changes space under its seq (search indexes key it by space): the old row
    // goes, with its removal in the index feed, and the record is inserted anew.
    MEMORYD_RETURN_IF_ERROR(sqlstore::DeleteRow(conn, stored->space_id, stored->seq));
    replaced = replaced || stored->live;
    stored.reset();
  }
  if (stored) {
    const Memory& old = stored->record.memory;
    const bool keep_embedding = rec.embedding.empty() && old.key == rec.memory.key &&
                                old.title == rec.memory.title && old.text == rec.memory.text;
    MEMORYD_RETURN_IF_ERROR(RewriteRow(conn, stored->seq, rec, keep_embedding));
    MEMORYD_RETURN_IF_ERROR(sqlstore::LinkTags(conn, stored->seq, tag_ids, /*fresh=*/false));
    return stored->live || replaced ? ImportOutcome::kReplaced : ImportOutcome::kCreated;
  }
  MEMORYD_ASSIGN_OR_RETURN(const int64_t seq,
                           sqlstore::InsertRow(conn, space_id, rec.memory.id, ToWrite(rec), now));
  MEMORYD_RETURN_IF_ERROR(sqlstore::AdjustStoredCount(conn, space_id, 1));
  MEMORYD_RETURN_IF_ERROR(SetTimes(conn, seq, rec.memory));
  MEMORYD_RETURN_IF_ERROR(sqlstore::LinkTags(conn, seq, tag_ids, /*fresh=*/true));
  return replaced ? ImportOutcome::kReplaced : ImportOutcome::kCreated;
}

}  // namespace

Status SqlStore::ExportMemories(AccountId account, const std::optional<std::string>& space,
                                bool with_embeddings, int64_t now,
                                const std::function<Status(MemoryRecord&&)>& fn) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  Connection& conn = *lease;
  return sql::InSnapshot(conn, [&]() -> Status {
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kExportSql));
    stmt.Bind(1, int64_t{with_embeddings ? 1 : 0});
    stmt.Bind(2, account);
    stmt.Bind(3, space);
    stmt.Bind(4, now);
    for (;;) {
      MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      MemoryRecord rec;
      rec.memory = sqlstore::ReadMemoryRow(stmt, stmt.ColumnText(10));
      if (with_embeddings) rec.embedding = stmt.ColumnFloats(12);
      if (!rec.embedding.empty()) rec.embedder = stmt.ColumnText(11);
      MEMORYD_RETURN_IF_ERROR(fn(std::move(rec)));
    }
    return Status::Ok();
  });
}

Result<std::vector<ImportOutcome>> SqlStore::ImportMemories(
    AccountId account, const std::vector<MemoryRecord>& records, int64_t now) {
  std::optional<std::vector<ImportOutcome>> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    std::vector<ImportOutcome> outcomes;
    outcomes.reserve(records.size());
    for (const auto& rec : records) {
      MEMORYD_ASSIGN_OR_RETURN(auto outcome, ImportOne(conn, account, rec, now));
      outcomes.push_back(outcome);
    }
    out = std::move(outcomes);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

}  // namespace memoryd
