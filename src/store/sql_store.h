// SqlStore: the Store on an SQL database: SQLite (the embedded default, one database in WAL
// mode in the data directory) or PostgreSQL (`database_url`: several nodes share one database).
// The queries are written once against sql::Connection; each backend is a driver
// (sqlite_connection.*, pg_connection.*) and a schema (sqlite_schema.*, pg_schema.*).
//
// Writes go through a WriteBatcher (group commit on one writer connection); reads use a pool of
// reader connections, so reads never wait for a commit's fsync. Several processes may open the
// same database (SQLite's file locking arbitrates; writers wait up to 10 s for the lock).
//
// Durability: with full_sync (the default) a write has been fsynced to the WAL before it
// returns, so it survives a crash of the process or of the machine. With full_sync off it
// survives a crash of the process; on power loss the last commits may be lost, never corrupted.
//
// Reads by key are cached (ReadCache) until the next commit by any process: every writer bumps a
// counter shared through `<database>.generation`, beside the database. On PostgreSQL, whose
// writers are on other machines too, nothing is cached: reads by key go to the database.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/fault_plan.h"
#include "store/read_cache.h"
#include "store/shared_generation.h"
#include "store/store.h"
#include "store/write_batch_observer.h"

namespace memoryd {
namespace sql {
class Connection;
}  // namespace sql
namespace sqlstore {
class WriteBatcher;
}  // namespace sqlstore

struct SqlStoreOptions {
  std::string path;                       // SQLite: the database file
  bool full_sync = true;                  // fsync every commit (see the durability note above)
  int max_readers = 16;                   // reader connections kept open
  int64_t read_cache_bytes = 64LL << 20;  // memories read by key kept in memory (0 = none)
  WriteBatchObserver* write_observer = nullptr;  // told of every group commit (may be null)
  FaultPlan* faults = nullptr;  // tests: makes connections fail (fault_plan.h); null: never
  // PostgreSQL: a libpq connection URL. When set, `path` is unused and `generation_path` names
  // this node's own generation file.
  std::string database_url = {};
  std::string generation_path = {};  // default: `path` + ".generation"
};

class SqlStore final : public Store {
 public:
  // Opens or creates the database and migrates it. kInternal on failure.
  static Result<std::unique_ptr<SqlStore>> Open(const SqlStoreOptions& options);
  ~SqlStore() override;

  Result<ApiKeyRecord> FindApiKey(std::string_view key_hash) override;
  Result<int64_t> InsertApiKey(const ApiKeyRecord& record) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override;
  Status DeleteApiKey(int64_t id) override;
  Status NoteApiKeysUsed(const std::vector<ApiKeyUse>& uses) override;
  Result<RateLease> LeaseRateTokens(AccountId account, int64_t want, int64_t per_minute,
                                    int64_t now_micros) override;
  Result<std::vector<SpaceInfo>> ListSpaces(AccountId account, int64_t now) override;
  Result<SpaceInfo> GetSpace(const SpaceRef& space, int64_t now) override;
  Result<int64_t> DeleteSpace(const SpaceRef& space, int64_t now) override;
  Result<Memory> GetByKey(const SpaceRef& space, std::string_view key, int64_t now) override;
  Result<std::vector<KeyUpdated>> ListKeys(const SpaceRef& space, const ListOptions& opts,
                                           int64_t now) override;
  Result<std::vector<Memory>> ListMemories(const SpaceRef& space, const ListOptions& opts,
                                           int64_t now) override;
  Result<std::vector<Memory>> SubstringSearch(const SpaceRef& space, std::string_view needle,
                                              int64_t limit, int64_t now) override;
  Result<std::vector<std::string>> KeysWithAllTags(const SpaceRef& space,
                                                   const std::vector<std::string>& tags,
                                                   int64_t now) override;
  Result<std::vector<std::string>> ListTags(const SpaceRef& space) override;
  Result<PutOutcome> Put(const SpaceRef& space, const MemoryWrite& write, const WriteLimits& limits,
                         int64_t now) override;
  Result<std::vector<BulkPutItemOutcome>> BulkPut(const SpaceRef& space,
                                                  const std::vector<MemoryWrite>& writes,
                                                  const WriteLimits& limits, int64_t now) override;
  Result<std::vector<bool>> BulkDeleteByKey(const SpaceRef& space,
                                            const std::vector<std::string>& keys,
                                            int64_t now) override;
  Result<int64_t> ClearSpace(const SpaceRef& space, int64_t now) override;
  Result<bool> CreateTag(const SpaceRef& space, std::string_view name, const WriteLimits& limits,
                         int64_t now) override;
  Result<bool> DeleteTag(const SpaceRef& space, std::string_view name) override;
  Result<int64_t> PurgeExpired(int64_t now) override;
  Result<std::optional<int64_t>> FindSpaceId(const SpaceRef& space) override;
  Result<Memory> FindById(AccountId account, std::string_view id, int64_t now) override;
  Result<Memory> UpdateById(AccountId account, std::string_view id, const MemoryWrite& write,
                            const WriteLimits& limits, int64_t now) override;
  Result<bool> DeleteById(AccountId account, std::string_view id, int64_t now) override;
  Result<std::vector<Memory>> LoadBySeqs(const std::vector<int64_t>& seqs, int64_t now) override;
  Result<std::vector<int64_t>> MatchingSeqs(const SpaceRef& space, const SearchFilter& filter,
                                            int64_t now) override;
  Result<int64_t> CurrentVersion() override;
  // PostgreSQL: a LISTEN connection of its own (pg_listener.h). SQLite: none.
  std::unique_ptr<Watch> WatchChanges(std::function<void()> on_change) override;
  Result<StoreTotals> Totals() override;
  Result<IndexChanges> ChangesSince(int64_t version, int64_t limit) override;
  Result<int64_t> ScanIndex(int64_t embeddings_after,
                            const std::function<Status(IndexRecord&&)>& fn) override;
  Result<std::vector<EmbeddingTask>> StaleEmbeddings(std::string_view embedder,
                                                     int64_t limit) override;
  Result<int64_t> CountStaleEmbeddings(std::string_view embedder) override;
  Result<int64_t> SetEmbeddings(const std::vector<EmbeddingUpdate>& updates,
                                std::string_view embedder) override;
  Status ExportMemories(AccountId account, const std::optional<std::string>& space,
                        bool with_embeddings, int64_t now,
                        const std::function<Status(MemoryRecord&&)>& fn) override;
  Result<std::vector<ImportOutcome>> ImportMemories(AccountId account,
                                                    const std::vector<MemoryRecord>& records,
                                                    int64_t now) override;

 private:
  class ReaderLease;
  // A new connection to the database, with the options' fault plan.
  static Result<std::unique_ptr<sql::Connection>> Connect(const SqlStoreOptions& options);
  explicit SqlStore(SqlStoreOptions options);
  Result<ReaderLease> AcquireReader();
  void ReleaseReader(std::unique_ptr<sql::Connection> conn);

  SqlStoreOptions options_;
  std::unique_ptr<SharedGeneration> generation_;  // before writer_, which bumps it
  ReadCache cache_;
  std::unique_ptr<sqlstore::WriteBatcher> writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<sql::Connection>> idle_readers_;
};

}  // namespace memoryd
