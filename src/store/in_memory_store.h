// InMemoryStore: a Store kept entirely in process memory, for tests. It follows the semantics
// documented in store/store.h exactly as SqlStore does (the contract tests in
// store_contract_test.cc and store_feed_contract_test.cc run against both), but nothing survives
// the object.
//
// The index feed is kept the way SqlStore's triggers keep it: one version counter bumped by
// every insert, every rewrite of a memory (Put over a key, UpdateById, SetEmbedding) and every
// removal; a removal log that every deleting path appends to; and a removal floor raised when
// PurgeExpired prunes removals older than a day. Removals are timed with the deleting call's
// `now` (SqlStore's trigger stamps them with the wall clock). Seqs and space ids are never
// reused.
//
// Thread-safety: all methods are safe to call concurrently; one mutex serialises them, which is
// also what makes every write atomic and every limit check race-free.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace memoryd {

class InMemoryStore final : public Store {
 public:
  InMemoryStore() = default;

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
  // A stored memory with what only the index feed sees.
  struct Row {
    Memory memory;
    int64_t version = 0;
    std::vector<float> embedding;  // empty when none is stored
    std::string embedder;
  };
  using RowMap = std::map<int64_t, Row>;  // by seq; expired rows linger until purged
  struct Space {
    int64_t id = 0;  // from next_space_id_, never reused
    int64_t created_at = 0;
    int64_t last_used = 0;
    std::set<std::string> tags;
    RowMap rows;
  };
  using SpaceKey = std::pair<AccountId, std::string>;
  using SpaceMap = std::map<SpaceKey, Space>;
  struct Removal {
    IndexRemoval removal;
    int64_t removed_at = 0;
  };
  // Where a row lives; both pointers are null when there is none.
  struct RowRef {
    Space* space = nullptr;
    Row* row = nullptr;
  };

  static int64_t CountLive(const Space& space, int64_t now);
  static std::vector<const Memory*> LiveMemories(const Space& space, int64_t now);
  static SpaceInfo Summarise(const std::string& name, const Space& space, int64_t now);
  // The write's tags with repeats dropped, or kLimitExceeded if the new ones would pass the
  // space's tag limit.
  static Result<std::vector<std::string>> AdmitTags(const Space& space,
                                                    const std::vector<std::string>& names,
                                                    const WriteLimits& limits);

  // The rest REQUIRE: mu_ held.
  Space* FindSpace(const SpaceRef& ref);
  // A write's space, created (with created_at = now) if new; `created` says whether it was.
  SpaceMap::iterator OpenSpace(const SpaceRef& ref, int64_t now, bool* created);
  // Ends a write begun with OpenSpace: stamps last_used if it wrote, else drops a new space.
  void CloseSpace(SpaceMap::iterator it, bool created, bool written, int64_t now);
  // Checks every limit before changing anything, so a failure leaves the space untouched.
  Result<PutOutcome> PutLocked(Space& space, const SpaceRef& ref, const MemoryWrite& write,
                               const WriteLimits& limits, int64_t now);
  // Rewrites a row's content from `write` (its key, id and created_at stay) with a new version.
  void Rewrite(Row& row, const MemoryWrite& write, std::vector<std::string> tags, int64_t now);
  // Deletes a row, recording its removal; returns the iterator after it.
  RowMap::iterator Erase(Space& space, RowMap::iterator it, int64_t now);
  // Deletes every row of the space that `pred` selects; returns how many.
  template <typename Pred>
  int64_t EraseIf(Space& space, int64_t now, Pred pred);
  // The row with this seq in any space (expired or not).
  RowRef FindRow(int64_t seq);
  // REQUIRES: mu_ held.
  bool SetEmbeddingLocked(int64_t seq, int64_t version, const std::vector<float>& vector,
                          std::string_view embedder);
  // The live row with this id in one of the account's spaces.
  RowRef FindLiveById(AccountId account, std::string_view id, int64_t now);
  // Drops removals recorded before `before`, raising the floor past them.
  void PruneRemovals(int64_t before);
  // Imports one record (Store::ImportMemories). REQUIRES: mu_ held.
  Result<ImportOutcome> ImportLocked(AccountId account, const MemoryRecord& rec, int64_t now);
  // Deletes the row of `space` holding the record's key under another id; returns whether it
  // was live. REQUIRES: mu_ held.
  bool FreeKey(Space& space, const MemoryRecord& rec, int64_t now);

  std::mutex mu_;
  std::unordered_map<AccountId, RateBucket> rate_buckets_;  // GUARDED_BY(mu_)
  SpaceMap spaces_;
  std::map<std::string, ApiKeyRecord, std::less<>> api_keys_;  // by key hash
  int64_t next_seq_ = 1;
  int64_t next_space_id_ = 1;
  int64_t next_api_key_id_ = 1;
  int64_t version_ = 0;            // the index feed's counter
  int64_t removal_floor_ = 0;      // the newest pruned removal's version
  std::vector<Removal> removals_;  // in version order
};

}  // namespace memoryd
