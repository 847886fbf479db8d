#include "store/sqlite_schema.h"

#include <array>
#include <string>

#include "store/sql_migrations.h"

namespace memoryd::sqlite {
namespace {

// Append only: a released migration never changes.
constexpr std::array<const char*, 4> kMigrations = {
    R"sql(
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL);
INSERT INTO accounts(id, name, created_at) VALUES (1, 'default', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

CREATE TABLE api_keys(
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  key_hash BLOB NOT NULL UNIQUE,
  space TEXT,
  read_only INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL);

CREATE TABLE spaces(
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_used INTEGER NOT NULL,
  stored_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE(account_id, name));

CREATE TABLE memories(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  key TEXT,
  title TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER);
CREATE UNIQUE INDEX memories_space_key ON memories(space_id, key) WHERE key IS NOT NULL;
CREATE INDEX memories_space_updated ON memories(space_id, updated_at);
CREATE INDEX memories_space_created ON memories(space_id, created_at);
CREATE INDEX memories_expiry ON memories(expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE tags(
  id INTEGER PRIMARY KEY,
  space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  UNIQUE(space_id, name));

CREATE TABLE memory_tags(
  memory_seq INTEGER NOT NULL REFERENCES memories(seq) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  PRIMARY KEY(memory_seq, tag_id)) WITHOUT ROWID;
CREATE INDEX memory_tags_by_tag ON memory_tags(tag_id, memory_seq);
)sql",
    // The index feed (store.h): versions, removals and stored embeddings. Memory sequence
    // numbers come from a counter from here on, so a deleted memory's number is never reused
    // (an index that is a moment behind must never name another memory). Triggers keep it
    // whatever path writes or deletes a memory (including cascades from a deleted space).
    R"sql(
ALTER TABLE memories ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN embedding BLOB;
ALTER TABLE memories ADD COLUMN embedder TEXT NOT NULL DEFAULT '';
CREATE INDEX memories_version ON memories(version);
CREATE INDEX memories_embedder ON memories(embedder);

CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES ('version', 0), ('removal_floor', 0),
  ('seq', (SELECT COALESCE(max(seq), 0) FROM memories));

CREATE TABLE removals(
  version INTEGER PRIMARY KEY,
  space_id INTEGER NOT NULL,
  memory_seq INTEGER NOT NULL,
  removed_at INTEGER NOT NULL);

CREATE TRIGGER memories_versioned_insert AFTER INSERT ON memories BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'version';
  UPDATE memories SET version = (SELECT value FROM counters WHERE name = 'version')
    WHERE seq = NEW.seq;
END;
CREATE TRIGGER memories_versioned_update
  AFTER UPDATE OF key, title, text, expires_at, embedding, embedder ON memories BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'version';
  UPDATE memories SET version = (SELECT value FROM counters WHERE name = 'version')
    WHERE seq = NEW.seq;
END;
CREATE TRIGGER memories_removed AFTER DELETE ON memories BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'version';
  INSERT INTO removals(version, space_id, memory_seq, removed_at)
    VALUES ((SELECT value FROM counters WHERE name = 'version'), OLD.space_id, OLD.seq,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
)sql",
    // Keys an operator can tell apart and see in use: a label, and when each was last used.
    R"sql(
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
)sql",
    // The rate-limit budget every process on the database draws from (service/rate_limiter.h).
    R"sql(
CREATE TABLE rate_buckets(
  account_id INTEGER PRIMARY KEY,
  micro_tokens INTEGER NOT NULL,
  updated_micros INTEGER NOT NULL);
)sql",
};

Result<int64_t> UserVersion(Connection& conn) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("PRAGMA user_version"));
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal("PRAGMA user_version returned no row");
  return stmt.ColumnInt(0);
}

}  // namespace

Status Migrate(Connection& conn) {
  MEMORYD_ASSIGN_OR_RETURN(const int64_t version, UserVersion(conn));
  return sql::ApplyMigrations(conn, kMigrations, version,
                              [](int64_t v) { return "PRAGMA user_version=" + std::to_string(v); });
}

int64_t KnownSchemaVersion() { return static_cast<int64_t>(kMigrations.size()); }

}  // namespace memoryd::sqlite
