// SqlStore: every write. Each public write is one operation submitted to the WriteBatcher,
// so it shares a transaction and a commit with whatever other writes arrive at the same time.
#include <algorithm>

#include "core/ids.h"
#include "store/sql_connection.h"
#include "store/sql_queries.h"
#include "store/sql_store.h"
#include "store/sql_write_ops.h"
#include "store/store_rules.h"
#include "store/write_batcher.h"

namespace memoryd {

using sql::Connection;

// The helpers up to the end of this namespace are shared with the import path
// (sql_write_ops.h); calls below find them by argument-dependent lookup or the using
// declarations after it.
namespace sqlstore {

Status EnsureAccount(Connection& conn, AccountId account, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("INSERT INTO accounts(id, name, created_at) VALUES (?1, ?3, ?2)"
                              " ON CONFLICT DO NOTHING"));
  stmt.Bind(1, account);
  stmt.Bind(2, now);
  const std::string name = "account-" + std::to_string(account);
  stmt.Bind(3, std::string_view(name));
  return stmt.RunDeferred();
}

Result<int64_t> TouchOrCreateSpace(Connection& conn, const SpaceRef& space, int64_t now);

Result<int64_t> EnsureSpace(Connection& conn, const SpaceRef& space, int64_t now) {
  // Once per batch and space: the batch's first write stamps last_used for all of them.
  std::string memo = "space:" + std::to_string(space.account_id) + ":" + space.name;
  if (auto id = conn.Remembered(memo)) return *id;
  MEMORYD_ASSIGN_OR_RETURN(int64_t id, TouchOrCreateSpace(conn, space, now));
  conn.Remember(std::move(memo), id);
  return id;
}

Result<int64_t> TouchOrCreateSpace(Connection& conn, const SpaceRef& space, int64_t now) {
  {
    // The common case, a space that exists: its timestamp updated, its id returned.
    MEMORYD_ASSIGN_OR_RETURN(auto touch, conn.Prepare("UPDATE spaces SET last_used = ?"
                                                      " WHERE account_id = ? AND name = ?"
                                                      " RETURNING id"));
    touch.Bind(1, now);
    touch.Bind(2, space.account_id);
    touch.Bind(3, std::string_view(space.name));
    MEMORYD_ASSIGN_OR_RETURN(bool found, touch.Step());
    if (found) {
      const int64_t id = touch.ColumnInt(0);
      MEMORYD_RETURN_IF_ERROR(touch.Run());  // to the end, so SQLite finishes the update
      return id;
    }
    touch.Reset();
  }
  MEMORYD_RETURN_IF_ERROR(EnsureAccount(conn, space.account_id, now));
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("INSERT INTO spaces(account_id, name, created_at, last_used)"
                              " VALUES (?1, ?2, ?3, ?3) ON CONFLICT(account_id, name)"
                              " DO UPDATE SET last_used = excluded.last_used RETURNING id"));
  stmt.Bind(1, space.account_id);
  stmt.Bind(2, std::string_view(space.name));
  stmt.Bind(3, now);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal("creating space returned no id");
  const int64_t id = stmt.ColumnInt(0);
  stmt.Reset();
  return id;
}

Status AdjustStoredCount(Connection& conn, int64_t space_id, int64_t delta) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("UPDATE spaces SET stored_count = stored_count + ? WHERE id = ?"));
  stmt.Bind(1, delta);
  stmt.Bind(2, space_id);
  return stmt.RunDeferred();
}

Result<int64_t> ScalarInt(Connection& conn, const std::string& sql, int64_t a) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  stmt.Bind(1, a);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  const int64_t value = row ? stmt.ColumnInt(0) : 0;
  stmt.Reset();
  return value;
}

// Deletes the space's expired memories and keeps its stored count exact.
Status PurgeSpace(Connection& conn, int64_t space_id, int64_t now) {
  static const std::string kSql =
      "DELETE FROM memories WHERE space_id = ? AND" + store_rules::ExpiredSql("");
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSql));
  stmt.Bind(1, space_id);
  stmt.Bind(2, now);
  MEMORYD_RETURN_IF_ERROR(stmt.Run());
  return AdjustStoredCount(conn, space_id, -conn.Changes());
}

// Admits one more memory into the space and counts it in the space's stored count, or answers
// kLimitExceeded (the caller's savepoint undoes the count).
Status AdmitNewMemory(Connection& conn, int64_t space_id, const WriteLimits& limits, int64_t now) {
  if (limits.max_memories_per_space <= 0) return AdjustStoredCount(conn, space_id, 1);
  MEMORYD_ASSIGN_OR_RETURN(
      int64_t stored, ScalarInt(conn,
                                "UPDATE spaces SET stored_count = stored_count + 1 WHERE id = ?"
                                " RETURNING stored_count",
                                space_id));
  if (stored <= limits.max_memories_per_space) return Status::Ok();
  // The stored count includes expired memories not yet purged; they do not occupy the quota.
  MEMORYD_ASSIGN_OR_RETURN(int64_t live, sqlstore::CountLive(conn, space_id, now));
  if (live >= limits.max_memories_per_space) {
    return Status::LimitExceeded("memory limit reached: this space holds at most " +
                                 std::to_string(limits.max_memories_per_space) + " memories");
  }
  return PurgeSpace(conn, space_id, now);
}

// The ids of the tags named, from the transaction's memo or the database (nullopt: no such tag);
// remembers what it found.
Result<std::vector<std::optional<int64_t>>> LookUpTags(Connection& conn, int64_t space_id,
                                                       const std::vector<std::string>& names) {
  std::vector<std::optional<int64_t>> ids(names.size());
  std::vector<std::string> unknown;
  const std::string prefix = "tag:" + std::to_string(space_id) + ":";
  for (size_t i = 0; i < names.size(); ++i) {
    ids[i] = conn.Remembered(prefix + names[i]);
    if (!ids[i]) unknown.push_back(names[i]);
  }
  if (unknown.empty()) return ids;
  MEMORYD_ASSIGN_OR_RETURN(auto found, sqlstore::FindTagIds(conn, space_id, unknown));
  for (size_t i = 0, j = 0; i < names.size(); ++i) {
    if (ids[i]) continue;
    ids[i] = found[j++];
    if (ids[i]) conn.Remember(prefix + names[i], *ids[i]);
  }
  return ids;
}

Result<std::vector<int64_t>> EnsureTags(Connection& conn, int64_t space_id,
                                        const std::vector<std::string>& names,
                                        const WriteLimits& limits) {
  MEMORYD_ASSIGN_OR_RETURN(auto found, LookUpTags(conn, space_id, names));
  std::vector<int64_t> ids;
  for (size_t i = 0; i < names.size(); ++i) {
    if (found[i]) {
      ids.push_back(*found[i]);
      continue;
    }
    if (limits.max_tags_per_space > 0) {
      MEMORYD_ASSIGN_OR_RETURN(
          int64_t count, ScalarInt(conn, "SELECT COUNT(*) FROM tags WHERE space_id = ?", space_id));
      if (count >= limits.max_tags_per_space) {
        return Status::LimitExceeded("tag limit reached: this space holds at most " +
                                     std::to_string(limits.max_tags_per_space) + " tags");
      }
    }
    MEMORYD_ASSIGN_OR_RETURN(
        auto stmt, conn.Prepare("INSERT INTO tags(space_id, name) VALUES (?, ?) RETURNING id"));
    stmt.Bind(1, space_id);
    stmt.Bind(2, std::string_view(names[i]));
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Internal("creating tag returned no id");
    ids.push_back(stmt.ColumnInt(0));
    MEMORYD_RETURN_IF_ERROR(stmt.Run());  // to the end, so SQLite finishes the insert
    conn.Remember("tag:" + std::to_string(space_id) + ":" + names[i], ids.back());
  }
  return ids;
}

// Replaces the memory's tag links; a new memory (`fresh`) has none to remove.
Status LinkTags(Connection& conn, int64_t seq, const std::vector<int64_t>& tag_ids, bool fresh) {
  if (!fresh) {
    MEMORYD_ASSIGN_OR_RETURN(auto clear,
                             conn.Prepare("DELETE FROM memory_tags WHERE memory_seq = ?"));
    clear.Bind(1, seq);
    MEMORYD_RETURN_IF_ERROR(clear.RunDeferred());
  }
  MEMORYD_ASSIGN_OR_RETURN(
      auto link, conn.Prepare("INSERT INTO memory_tags(memory_seq, tag_id, pos) VALUES (?, ?, ?)"));
  for (size_t i = 0; i < tag_ids.size(); ++i) {
    link.Bind(1, seq);
    link.Bind(2, tag_ids[i]);
    link.Bind(3, static_cast<int64_t>(i));
    MEMORYD_RETURN_IF_ERROR(link.RunDeferred());
  }
  return Status::Ok();
}

Result<std::optional<ExistingRow>> FindKeyRow(Connection& conn, int64_t space_id,
                                              std::string_view key, int64_t now) {
  static const std::string kSql = "SELECT seq, id, created_at," + store_rules::LiveSql("") +
                                  "FROM memories WHERE space_id = ? AND key = ?";
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSql));
  stmt.Bind(1, now);
  stmt.Bind(2, space_id);
  stmt.Bind(3, key);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<ExistingRow>();
  ExistingRow r{stmt.ColumnInt(0), stmt.ColumnText(1), stmt.ColumnInt(2), stmt.ColumnInt(3) != 0};
  stmt.Reset();
  return std::optional<ExistingRow>(std::move(r));
}

Status DeleteRow(Connection& conn, int64_t space_id, int64_t seq) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("DELETE FROM memories WHERE seq = ?"));
  stmt.Bind(1, seq);
  MEMORYD_RETURN_IF_ERROR(stmt.RunDeferred());
  return AdjustStoredCount(conn, space_id, -1);
}

// Binds the write's embedding (a BLOB of native floats, or NULL) and its embedder name.
void BindEmbedding(sql::Statement& stmt, int pos, const MemoryWrite& w) {
  if (w.embedding.empty()) {
    stmt.BindNull(pos);
  } else {
    stmt.BindBlob(pos, std::string_view(reinterpret_cast<const char*>(w.embedding.data()),
                                        w.embedding.size() * sizeof(float)));
  }
  // '' (not NULL) when there is no embedding: the column is NOT NULL.
  stmt.Bind(pos + 1, w.embedding.empty() ? std::string_view("") : std::string_view(w.embedder));
}

Status UpdateRow(Connection& conn, int64_t seq, const MemoryWrite& w, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("UPDATE memories SET title = ?, text = ?, metadata = ?,"
                                        " updated_at = ?, expires_at = ?, tags = ?,"
                                        " embedding = ?, embedder = ? WHERE seq = ?"));
  stmt.Bind(1, std::string_view(w.title));
  stmt.Bind(2, std::string_view(w.text));
  stmt.Bind(3, std::string_view(w.metadata_json));
  stmt.Bind(4, now);
  stmt.Bind(5, w.expires_at);
  stmt.Bind(6, std::string_view(sqlstore::JoinTags(w.tags)));
  BindEmbedding(stmt, 7, w);
  stmt.Bind(9, seq);
  return stmt.RunDeferred();
}

Result<int64_t> InsertRow(Connection& conn, int64_t space_id, const std::string& id,
                          const MemoryWrite& w, int64_t now) {
  // Sequence numbers are never reused (see migration 2), unlike SQLite's own rowids. The writer
  // holds the write transaction, so the counter cannot race.
  MEMORYD_ASSIGN_OR_RETURN(auto next, conn.Prepare("UPDATE counters SET value = value + 1"
                                                   " WHERE name = 'seq' RETURNING value"));
  MEMORYD_ASSIGN_OR_RETURN(bool counted, next.Step());
  if (!counted) return Status::Internal("the sequence counter is missing");
  const int64_t seq = next.ColumnInt(0);
  MEMORYD_RETURN_IF_ERROR(next.Run());  // to the end, so SQLite finishes the update
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("INSERT INTO memories(id, space_id, key, title, text, metadata, created_at,"
                   " updated_at, expires_at, tags, embedding, embedder, seq)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, std::string_view(id));
  stmt.Bind(2, space_id);
  stmt.Bind(3, w.key);
  stmt.Bind(4, std::string_view(w.title));
  stmt.Bind(5, std::string_view(w.text));
  stmt.Bind(6, std::string_view(w.metadata_json));
  stmt.Bind(7, now);
  stmt.Bind(8, now);
  stmt.Bind(9, w.expires_at);
  stmt.Bind(10, std::string_view(sqlstore::JoinTags(w.tags)));
  BindEmbedding(stmt, 11, w);
  stmt.Bind(13, seq);
  MEMORYD_RETURN_IF_ERROR(stmt.RunDeferred());
  return seq;
}

Memory BuildMemory(const SpaceRef& space, const MemoryWrite& w, int64_t seq, std::string id,
                   int64_t created_at, int64_t now) {
  Memory m;
  m.seq = seq;
  m.id = std::move(id);
  m.space = space.name;
  m.key = w.key;
  m.title = w.title;
  m.text = w.text;
  m.tags = w.tags;
  m.metadata_json = w.metadata_json;
  m.created_at = created_at;
  m.updated_at = now;
  m.expires_at = w.expires_at;
  return m;
}

Result<PutOutcome> PutOne(Connection& conn, int64_t space_id, const SpaceRef& space,
                          const MemoryWrite& write, const WriteLimits& limits, int64_t now) {
  // A tag named twice is one tag (callers normally dedupe; the store must not depend on it).
  MemoryWrite w = write;
  std::vector<std::string> unique;
  for (auto& tag : w.tags) {
    if (std::find(unique.begin(), unique.end(), tag) == unique.end()) unique.push_back(tag);
  }
  w.tags = std::move(unique);
  std::optional<ExistingRow> existing;
  if (w.key) {
    MEMORYD_ASSIGN_OR_RETURN(existing, FindKeyRow(conn, space_id, *w.key, now));
    if (existing && !existing->live) {
      MEMORYD_RETURN_IF_ERROR(DeleteRow(conn, space_id, existing->seq));
      existing.reset();
    }
  }
  if (!existing) MEMORYD_RETURN_IF_ERROR(AdmitNewMemory(conn, space_id, limits, now));
  MEMORYD_ASSIGN_OR_RETURN(auto tag_ids, EnsureTags(conn, space_id, w.tags, limits));
  PutOutcome out;
  out.created = !existing;
  if (existing) {
    MEMORYD_RETURN_IF_ERROR(UpdateRow(conn, existing->seq, w, now));
    out.memory = BuildMemory(space, w, existing->seq, existing->id, existing->created_at, now);
  } else {
    std::string id = NewMemoryId(now);
    MEMORYD_ASSIGN_OR_RETURN(int64_t seq, InsertRow(conn, space_id, id, w, now));
    out.memory = BuildMemory(space, w, seq, std::move(id), now, now);
  }
  MEMORYD_RETURN_IF_ERROR(LinkTags(conn, out.memory.seq, tag_ids, out.created));
  return out;
}

// Removes `name` from the joined tag list of every memory of the space that carried it.
Status RewriteTagLists(Connection& conn, int64_t space_id, std::string_view name) {
  MEMORYD_ASSIGN_OR_RETURN(auto select,
                           conn.Prepare("SELECT seq, tags FROM memories WHERE space_id = ?1 AND"
                                        " instr(?3 || tags || ?3, ?3 || ?2 || ?3) > 0"));
  select.Bind(1, space_id);
  select.Bind(2, name);
  select.Bind(3, std::string_view(&sqlstore::kTagSeparator, 1));
  std::vector<std::pair<int64_t, std::string>> rewrites;
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    auto tags = sqlstore::SplitTags(select.ColumnText(1));
    std::erase(tags, std::string(name));
    rewrites.emplace_back(select.ColumnInt(0), sqlstore::JoinTags(tags));
  }
  select.Reset();
  MEMORYD_ASSIGN_OR_RETURN(auto update, conn.Prepare("UPDATE memories SET tags = ? WHERE seq = ?"));
  for (const auto& [seq, joined] : rewrites) {
    update.Bind(1, std::string_view(joined));
    update.Bind(2, seq);
    MEMORYD_RETURN_IF_ERROR(update.Run());
  }
  return Status::Ok();
}

Status PruneRemovals(Connection& conn, int64_t before) {
  MEMORYD_ASSIGN_OR_RETURN(
      auto floor, conn.Prepare("UPDATE counters SET value = (SELECT COALESCE(max(version), 0)"
                               " FROM removals WHERE removed_at < ?1) WHERE name = 'removal_floor'"
                               " AND value < (SELECT COALESCE(max(version), 0) FROM removals"
                               " WHERE removed_at < ?1)"));
  floor.Bind(1, before);
  MEMORYD_RETURN_IF_ERROR(floor.Run());
  MEMORYD_ASSIGN_OR_RETURN(auto prune, conn.Prepare("DELETE FROM removals WHERE removed_at < ?"));
  prune.Bind(1, before);
  return prune.Run();
}

// Runs `fn` inside a nested savepoint so that its failure undoes only its own changes. In an
// optimistic batch (no savepoints, see write_batcher.h) a failure asks for the batch to run
// again with them.
template <typename Fn>
auto Isolated(Connection& conn, Fn&& fn) -> decltype(fn()) {
  if (conn.Optimistic()) {
    auto result = fn();
    if (!result.ok()) conn.RequestIsolation();
    return result;
  }
  MEMORYD_RETURN_IF_ERROR(conn.RunDeferred("SAVEPOINT item"));
  auto result = fn();
  // fn's deferred statements answer here at the latest (see WriteBatcher::RunOne).
  if (Status flushed = result.ok() ? conn.Flush() : Status::Ok(); !flushed.ok()) result = flushed;
  if (!result.ok()) (void)conn.Run("ROLLBACK TO item");
  MEMORYD_RETURN_IF_ERROR(conn.Run("RELEASE item"));
  return result;
}

// Collects an operation's value out of the batcher's closure.
template <typename T>
Result<T> Collect(Status committed, std::optional<T>& value) {
  if (!committed.ok()) return committed;
  if (!value) return Status::Internal("write produced no result");
  return std::move(*value);
}

}  // namespace sqlstore

using sqlstore::BuildMemory;
using sqlstore::Collect;
using sqlstore::DeleteRow;
using sqlstore::EnsureAccount;
using sqlstore::EnsureSpace;
using sqlstore::EnsureTags;
using sqlstore::FindKeyRow;
using sqlstore::Isolated;
using sqlstore::LinkTags;
using sqlstore::PruneRemovals;
using sqlstore::PutOne;
using sqlstore::RewriteTagLists;
using sqlstore::UpdateRow;
using store_rules::kRemovalHistoryMillis;

Result<int64_t> SqlStore::InsertApiKey(const ApiKeyRecord& record) {
  std::optional<int64_t> id;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_RETURN_IF_ERROR(EnsureAccount(conn, record.account_id, record.created_at));
    MEMORYD_ASSIGN_OR_RETURN(
        auto stmt, conn.Prepare("INSERT INTO api_keys(account_id, key_hash, space, read_only,"
                                " created_at, name) VALUES (?, ?, ?, ?, ?, ?)"
                                " ON CONFLICT DO NOTHING RETURNING id"));
    stmt.Bind(1, record.account_id);
    stmt.BindBlob(2, record.key_hash);
    stmt.Bind(3, record.space);
    stmt.Bind(4, int64_t{record.read_only ? 1 : 0});
    stmt.Bind(5, record.created_at);
    stmt.Bind(6, std::string_view(record.name));
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Conflict("an identical API key already exists");
    id = stmt.ColumnInt(0);
    stmt.Reset();
    return Status::Ok();
  });
  return Collect(s, id);
}

Status SqlStore::DeleteApiKey(int64_t id) {
  return writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("DELETE FROM api_keys WHERE id = ?"));
    stmt.Bind(1, id);
    MEMORYD_RETURN_IF_ERROR(stmt.Run());
    if (conn.Changes() == 0) return Status::NotFound("no API key with id " + std::to_string(id));
    return Status::Ok();
  });
}

Status SqlStore::NoteApiKeysUsed(const std::vector<ApiKeyUse>& uses) {
  if (uses.empty()) return Status::Ok();
  return writer_->Submit(
      [&](Connection& conn) -> Status {
        MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                                 conn.Prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?"
                                              " AND (last_used_at IS NULL OR last_used_at < ?)"));
        for (const ApiKeyUse& use : uses) {
          stmt.Bind(1, use.used_at);
          stmt.Bind(2, use.id);
          stmt.Bind(3, use.used_at);
          MEMORYD_RETURN_IF_ERROR(stmt.Run());
        }
        return Status::Ok();
      },
      sqlstore::WriteBatcher::Reach::kKeysOnly);
}

Result<RateLease> SqlStore::LeaseRateTokens(AccountId account, int64_t want, int64_t per_minute,
                                            int64_t now_micros) {
  constexpr double kMicro = 1e6;  // the bucket is kept in millionths of a token
  std::optional<RateLease> out;
  Status s = writer_->Submit(
      [&](Connection& conn) -> Status {
        MEMORYD_ASSIGN_OR_RETURN(auto find,
                                 conn.Prepare("SELECT micro_tokens, updated_micros"
                                              " FROM rate_buckets WHERE account_id = ?"));
        find.Bind(1, account);
        MEMORYD_ASSIGN_OR_RETURN(bool row, find.Step());
        RateBucket bucket{static_cast<double>(per_minute), now_micros};
        if (row) {
          bucket = {static_cast<double>(find.ColumnInt(0)) / kMicro, find.ColumnInt(1)};
        }
        find.Reset();
        out = store_rules::TakeRateTokens(bucket, want, per_minute, now_micros);
        MEMORYD_ASSIGN_OR_RETURN(
            auto save, conn.Prepare("INSERT INTO rate_buckets(account_id, micro_tokens,"
                                    " updated_micros) VALUES (?, ?, ?) ON CONFLICT(account_id)"
                                    " DO UPDATE SET micro_tokens = excluded.micro_tokens,"
                                    " updated_micros = excluded.updated_micros"));
        save.Bind(1, account);
        save.Bind(2, static_cast<int64_t>(bucket.tokens * kMicro));
        save.Bind(3, bucket.updated_micros);
        return save.RunDeferred();
      },
      sqlstore::WriteBatcher::Reach::kKeysOnly);
  return Collect(s, out);
}

Result<PutOutcome> SqlStore::Put(const SpaceRef& space, const MemoryWrite& write,
                                 const WriteLimits& limits, int64_t now) {
  std::optional<PutOutcome> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(int64_t space_id, EnsureSpace(conn, space, now));
    MEMORYD_ASSIGN_OR_RETURN(out, PutOne(conn, space_id, space, write, limits, now));
    return Status::Ok();
  });
  return Collect(s, out);
}

Result<std::vector<BulkPutItemOutcome>> SqlStore::BulkPut(const SpaceRef& space,
                                                          const std::vector<MemoryWrite>& writes,
                                                          const WriteLimits& limits, int64_t now) {
  std::optional<std::vector<BulkPutItemOutcome>> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(int64_t space_id, EnsureSpace(conn, space, now));
    std::vector<BulkPutItemOutcome> items;
    for (const auto& w : writes) {
      auto one = Isolated(conn, [&] { return PutOne(conn, space_id, space, w, limits, now); });
      BulkPutItemOutcome item;
      if (one.ok()) {
        item.outcome = std::move(one).value();
      } else if (one.status().code() == StatusCode::kInternal ||
                 one.status().code() == StatusCode::kUnavailable) {
        return one.status();  // the database itself failed: fail the whole request
      } else {
        item.error = one.status().message();
      }
      items.push_back(std::move(item));
    }
    out = std::move(items);
    return Status::Ok();
  });
  return Collect(s, out);
}

namespace {

struct IdRow {
  int64_t seq = 0;
  int64_t space_id = 0;
  std::string space;
  std::optional<std::string> key;
  int64_t created_at = 0;
};

// The live memory with this id in one of the account's spaces.
Result<std::optional<IdRow>> FindIdRow(Connection& conn, AccountId account, std::string_view id,
                                       int64_t now) {
  static const std::string kSql =
      "SELECT m.seq, m.space_id, s.name, m.key, m.created_at"
      " FROM memories m JOIN spaces s ON s.id = m.space_id"
      " WHERE m.id = ? AND s.account_id = ? AND" +
      store_rules::LiveSql();
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSql));
  stmt.Bind(1, id);
  stmt.Bind(2, account);
  stmt.Bind(3, now);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<IdRow>();
  IdRow r{stmt.ColumnInt(0), stmt.ColumnInt(1), stmt.ColumnText(2), stmt.ColumnOptionalText(3),
          stmt.ColumnInt(4)};
  stmt.Reset();
  return std::optional<IdRow>(std::move(r));
}

}  // namespace

Result<Memory> SqlStore::UpdateById(AccountId account, std::string_view id,
                                    const MemoryWrite& write, const WriteLimits& limits,
                                    int64_t now) {
  std::optional<Memory> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(auto row, FindIdRow(conn, account, id, now));
    if (!row) return Status::NotFound("memory with id '" + std::string(id) + "' not found");
    MemoryWrite w = write;
    w.key = row->key;
    std::vector<std::string> unique;
    for (auto& tag : w.tags) {
      if (std::find(unique.begin(), unique.end(), tag) == unique.end()) unique.push_back(tag);
    }
    w.tags = std::move(unique);
    MEMORYD_ASSIGN_OR_RETURN(auto tag_ids, EnsureTags(conn, row->space_id, w.tags, limits));
    MEMORYD_RETURN_IF_ERROR(UpdateRow(conn, row->seq, w, now));
    MEMORYD_RETURN_IF_ERROR(LinkTags(conn, row->seq, tag_ids, /*fresh=*/false));
    const SpaceRef space{account, row->space};
    out = BuildMemory(space, w, row->seq, std::string(id), row->created_at, now);
    return Status::Ok();
  });
  return Collect(s, out);
}

Result<bool> SqlStore::DeleteById(AccountId account, std::string_view id, int64_t now) {
  std::optional<bool> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(auto row, FindIdRow(conn, account, id, now));
    out = row.has_value();
    if (!row) return Status::Ok();
    return DeleteRow(conn, row->space_id, row->seq);
  });
  return Collect(s, out);
}

Result<std::vector<bool>> SqlStore::BulkDeleteByKey(const SpaceRef& space,
                                                    const std::vector<std::string>& keys,
                                                    int64_t now) {
  std::optional<std::vector<bool>> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    std::vector<bool> deleted(keys.size(), false);
    MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(conn, space));
    for (size_t i = 0; space_id && i < keys.size(); ++i) {
      MEMORYD_ASSIGN_OR_RETURN(auto row, FindKeyRow(conn, *space_id, keys[i], now));
      if (!row) continue;
      MEMORYD_RETURN_IF_ERROR(DeleteRow(conn, *space_id, row->seq));
      deleted[i] = row->live;
    }
    out = std::move(deleted);
    return Status::Ok();
  });
  return Collect(s, out);
}

Result<int64_t> SqlStore::ClearSpace(const SpaceRef& space, int64_t now) {
  std::optional<int64_t> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(conn, space));
    out = 0;
    if (!space_id) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(out, sqlstore::CountLive(conn, *space_id, now));
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("DELETE FROM memories WHERE space_id = ?"));
    stmt.Bind(1, *space_id);
    MEMORYD_RETURN_IF_ERROR(stmt.Run());
    MEMORYD_ASSIGN_OR_RETURN(auto reset,
                             conn.Prepare("UPDATE spaces SET stored_count = 0 WHERE id = ?"));
    reset.Bind(1, *space_id);
    return reset.Run();
  });
  return Collect(s, out);
}

Result<int64_t> SqlStore::DeleteSpace(const SpaceRef& space, int64_t now) {
  std::optional<int64_t> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    conn.ForgetAll();  // the space and its tags go
    MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(conn, space));
    if (!space_id) return Status::NotFound("space '" + space.name + "' not found");
    MEMORYD_ASSIGN_OR_RETURN(out, sqlstore::CountLive(conn, *space_id, now));
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("DELETE FROM spaces WHERE id = ?"));
    stmt.Bind(1, *space_id);
    return stmt.Run();
  });
  return Collect(s, out);
}

Result<bool> SqlStore::CreateTag(const SpaceRef& space, std::string_view name,
                                 const WriteLimits& limits, int64_t now) {
  std::optional<bool> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(int64_t space_id, EnsureSpace(conn, space, now));
    const std::vector<std::string> names{std::string(name)};
    MEMORYD_ASSIGN_OR_RETURN(auto found, sqlstore::FindTagIds(conn, space_id, names));
    out = !found.front().has_value();
    if (!*out) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(auto ids, EnsureTags(conn, space_id, names, limits));
    return Status::Ok();
  });
  return Collect(s, out);
}

Result<bool> SqlStore::DeleteTag(const SpaceRef& space, std::string_view name) {
  std::optional<bool> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    out = false;
    conn.ForgetAll();  // the tag goes
    MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(conn, space));
    if (!space_id) return Status::Ok();
    const std::vector<std::string> names{std::string(name)};
    MEMORYD_ASSIGN_OR_RETURN(auto ids, sqlstore::FindTagIds(conn, *space_id, names));
    if (!ids.front()) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("DELETE FROM tags WHERE id = ?"));
    stmt.Bind(1, *ids.front());
    MEMORYD_RETURN_IF_ERROR(stmt.Run());
    out = true;
    return RewriteTagLists(conn, *space_id, name);
  });
  return Collect(s, out);
}

Result<int64_t> SqlStore::PurgeExpired(int64_t now) {
  std::optional<int64_t> out;
  Status s = writer_->Submit([&](Connection& conn) -> Status {
    MEMORYD_ASSIGN_OR_RETURN(
        auto counts,
        conn.Prepare("UPDATE spaces SET stored_count = stored_count - (SELECT COUNT(*) FROM"
                     " memories m WHERE m.space_id = spaces.id AND" +
                     store_rules::ExpiredSql("m", "?1") +
                     ") WHERE id IN (SELECT space_id FROM memories WHERE" +
                     store_rules::ExpiredSql("", "?1") + ")"));
    counts.Bind(1, now);
    MEMORYD_RETURN_IF_ERROR(counts.Run());
    MEMORYD_ASSIGN_OR_RETURN(
        auto stmt, conn.Prepare("DELETE FROM memories WHERE" + store_rules::ExpiredSql("")));
    stmt.Bind(1, now);
    MEMORYD_RETURN_IF_ERROR(stmt.Run());
    out = conn.Changes();
    return PruneRemovals(conn, now - kRemovalHistoryMillis);
  });
  return Collect(s, out);
}

}  // namespace memoryd
