// SqlStore: opening, the reader pool, and every read. Writes are in sql_store_write.cc.
#include "store/sql_store.h"

#include <algorithm>

#include "store/pg_connection.h"
#include "store/pg_schema.h"
#include "store/sql_queries.h"
#include "store/sql_reader_lease.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_schema.h"
#include "store/store_rules.h"
#include "store/write_batcher.h"

namespace memoryd {

using sql::Connection;

namespace {

SqlStoreOptions Normalized(SqlStoreOptions options) {
  const bool postgres = !options.database_url.empty();
  if (postgres) options.read_cache_bytes = 0;  // other nodes write too: nothing is cached
  if (options.generation_path.empty()) options.generation_path = options.path + ".generation";
  return options;
}

}  // namespace

SqlStore::SqlStore(SqlStoreOptions options)
    : options_(std::move(options)), cache_(options_.read_cache_bytes) {}
SqlStore::~SqlStore() = default;

Result<std::unique_ptr<Connection>> SqlStore::Connect(const SqlStoreOptions& options) {
  if (!options.database_url.empty()) {
    MEMORYD_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                             pg::PgConnection::Open(options.database_url));
    conn->SetFaultPlan(options.faults);
    return conn;
  }
  MEMORYD_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                           sqlite::SqliteConnection::Open(options.path, options.full_sync));
  conn->SetFaultPlan(options.faults);
  return conn;
}

Result<std::unique_ptr<SqlStore>> SqlStore::Open(const SqlStoreOptions& given) {
  const SqlStoreOptions options = Normalized(given);
  const bool postgres = !options.database_url.empty();
  MEMORYD_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, Connect(options));
  writer->SetFaultPlan(nullptr);  // migrations run whatever a test injects
  MEMORYD_RETURN_IF_ERROR(postgres ? pg::Migrate(*writer) : sqlite::Migrate(*writer));
  writer->SetFaultPlan(options.faults);
  std::unique_ptr<SqlStore> store(new SqlStore(options));  // private constructor
  MEMORYD_ASSIGN_OR_RETURN(
      store->generation_,
      SharedGeneration::Open(options.generation_path, postgres ? "" : options.path));
  store->writer_ = std::make_unique<sqlstore::WriteBatcher>(
      std::move(writer), store->generation_.get(), options.write_observer);
  store->writer_->SetReconnect([options] { return Connect(options); });
  return store;
}

Result<SqlStore::ReaderLease> SqlStore::AcquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(conn));
    }
  }
  MEMORYD_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(options_));
  return ReaderLease(this, std::move(conn));
}

void SqlStore::ReleaseReader(std::unique_ptr<Connection> conn) {
  if (conn->Broken() || conn->InTransaction()) return;  // dropped: the next read opens anew
  conn->TrimStatements();
  std::lock_guard lock(readers_mu_);
  if (static_cast<int>(idle_readers_.size()) < options_.max_readers) {
    idle_readers_.push_back(std::move(conn));
  }
}

namespace {

constexpr const char* kApiKeyColumns =
    "SELECT id, account_id, key_hash, space, read_only, created_at, name, last_used_at"
    " FROM api_keys";

ApiKeyRecord ReadApiKey(sql::Statement& stmt) {
  ApiKeyRecord rec;
  rec.id = stmt.ColumnInt(0);
  rec.account_id = stmt.ColumnInt(1);
  rec.key_hash = stmt.ColumnBytes(2);
  rec.space = stmt.ColumnOptionalText(3);
  rec.read_only = stmt.ColumnInt(4) != 0;
  rec.created_at = stmt.ColumnInt(5);
  rec.name = stmt.ColumnText(6);
  rec.last_used_at = stmt.ColumnOptionalInt(7);
  return rec;
}

}  // namespace

Result<ApiKeyRecord> SqlStore::FindApiKey(std::string_view key_hash) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           (*lease).Prepare(std::string(kApiKeyColumns) + " WHERE key_hash = ?"));
  stmt.BindBlob(1, key_hash);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("unknown API key");
  return ReadApiKey(stmt);
}

Result<std::vector<ApiKeyRecord>> SqlStore::ListApiKeys() {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           (*lease).Prepare(std::string(kApiKeyColumns) + " ORDER BY id"));
  std::vector<ApiKeyRecord> out;
  while (true) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadApiKey(stmt));
  }
  return out;
}

namespace {

const std::string kSpaceInfoSql =
    "SELECT s.name, s.description, s.created_at, s.last_used,"
    " (SELECT COUNT(*) FROM memories m WHERE m.space_id = s.id AND" +
    store_rules::LiveSql() +
    "),"
    " (SELECT COUNT(*) FROM tags t WHERE t.space_id = s.id)"
    " FROM spaces s WHERE s.account_id = ? ";

SpaceInfo ReadSpaceInfo(const sql::Statement& stmt) {
  SpaceInfo info;
  info.name = stmt.ColumnText(0);
  info.description = stmt.ColumnText(1);
  info.created_at = stmt.ColumnInt(2);
  info.last_used = stmt.ColumnInt(3);
  info.memory_count = stmt.ColumnInt(4);
  info.tag_count = stmt.ColumnInt(5);
  return info;
}

}  // namespace

Result<std::vector<SpaceInfo>> SqlStore::ListSpaces(AccountId account, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           (*lease).Prepare(std::string(kSpaceInfoSql) + "ORDER BY s.name"));
  stmt.Bind(1, now);
  stmt.Bind(2, account);
  std::vector<SpaceInfo> out;
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadSpaceInfo(stmt));
  }
  return out;
}

Result<SpaceInfo> SqlStore::GetSpace(const SpaceRef& space, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto stmt,
                           (*lease).Prepare(std::string(kSpaceInfoSql) + "AND s.name = ?"));
  stmt.Bind(1, now);
  stmt.Bind(2, space.account_id);
  stmt.Bind(3, std::string_view(space.name));
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("space '" + space.name + "' not found");
  return ReadSpaceInfo(stmt);
}

Result<Memory> SqlStore::GetByKey(const SpaceRef& space, std::string_view key, int64_t now) {
  // The hottest read: one statement, so one read transaction, finds the space and the memory
  // (through the spaces and memories_space_key indexes) instead of two.
  static const std::string kSql = std::string(sqlstore::kSelectMemoryWithSpace) +
                                  "WHERE s.account_id = ? AND s.name = ? AND m.key = ? AND" +
                                  store_rules::LiveSql();
  // The generation is read before the row (see ReadCache).
  const uint64_t generation = generation_->Load();
  if (auto cached = cache_.Find(space, key, generation, now)) return std::move(*cached);
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, (*lease).Prepare(kSql));
  stmt.Bind(1, space.account_id);
  stmt.Bind(2, std::string_view(space.name));
  stmt.Bind(3, key);
  stmt.Bind(4, now);
  MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("memory '" + std::string(key) + "' not found");
  Memory memory = sqlstore::ReadMemoryRow(stmt, space.name);
  cache_.Insert(space, key, generation, memory, now);
  return memory;
}

Result<std::vector<KeyUpdated>> SqlStore::ListKeys(const SpaceRef& space, const ListOptions& opts,
                                                   int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(*lease, space));
  std::vector<KeyUpdated> out;
  if (!space_id) return out;
  static const std::string kSql =
      "SELECT COALESCE(m.key, m.id), m.updated_at FROM memories m WHERE m.space_id = ? AND" +
      store_rules::LiveSql() + " ORDER BY m.updated_at DESC, m.seq DESC LIMIT ? OFFSET ?";
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, (*lease).Prepare(kSql));
  stmt.Bind(1, *space_id);
  stmt.Bind(2, now);
  stmt.Bind(3, sqlstore::SqlLimit(opts.limit));
  stmt.Bind(4, opts.offset);
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.ColumnText(0), stmt.ColumnInt(1)});
  }
  return out;
}

Result<std::vector<Memory>> SqlStore::ListMemories(const SpaceRef& space, const ListOptions& opts,
                                                   int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(*lease, space));
  if (!space_id) return std::vector<Memory>();
  return sqlstore::LoadPage(*lease, *space_id, space.name, "m.created_at DESC, m.seq DESC",
                            opts.offset, opts.limit, now, opts.before);
}

Result<std::vector<Memory>> SqlStore::SubstringSearch(const SpaceRef& space,
                                                      std::string_view needle, int64_t limit,
                                                      int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(*lease, space));
  if (!space_id) return std::vector<Memory>();
  return sqlstore::LoadContaining(*lease, *space_id, space.name, needle, limit, now);
}

Result<std::vector<std::string>> SqlStore::KeysWithAllTags(const SpaceRef& space,
                                                           const std::vector<std::string>& tags,
                                                           int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(*lease, space));
  std::vector<std::string> out;
  if (!space_id || tags.empty()) return out;
  MEMORYD_ASSIGN_OR_RETURN(auto tag_ids, sqlstore::FindTagIds(*lease, *space_id, tags));
  std::vector<int64_t> ids;
  for (const auto& id : tag_ids) {
    if (!id) return out;  // a tag nobody has: no memory can carry all of them
    ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string in_list;
  for (int64_t id : ids) {
    if (!in_list.empty()) in_list += ',';
    in_list += std::to_string(id);
  }
  // The IN list holds integers we produced, never caller text.
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, (*lease).Prepare("SELECT COALESCE(m.key, m.id) FROM memories m WHERE m.seq IN"
                                  " (SELECT memory_seq FROM memory_tags WHERE tag_id IN (" +
                                  in_list +
                                  ") GROUP BY memory_seq HAVING COUNT(*) = ?)"
                                  " AND" +
                                  store_rules::LiveSql() + "ORDER BY 1"));
  stmt.Bind(1, static_cast<int64_t>(ids.size()));
  stmt.Bind(2, now);
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnText(0));
  }
  return out;
}

Result<std::vector<std::string>> SqlStore::ListTags(const SpaceRef& space) {
  MEMORYD_ASSIGN_OR_RETURN(auto lease, AcquireReader());
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, sqlstore::FindSpaceId(*lease, space));
  std::vector<std::string> out;
  if (!space_id) return out;
  MEMORYD_ASSIGN_OR_RETURN(
      auto stmt, (*lease).Prepare("SELECT name FROM tags WHERE space_id = ? ORDER BY name"));
  stmt.Bind(1, *space_id);
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnText(0));
  }
  return out;
}

}  // namespace memoryd
