// InMemoryStore: a Store kept entirely in process memory, for tests. It follows the semantics
// documented in store/store.h exactly as SqliteStore does (the contract tests in
// store_contract_test.cc run against both), but nothing survives the object.
//
// Thread-safety: all methods are safe to call concurrently; one mutex serialises them, which is
// also what makes every write atomic and every limit check race-free.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace memoryd {

class InMemoryStore final : public Store {
 public:
  InMemoryStore() = default;

  Result<ApiKeyRecord> FindApiKey(std::string_view key_hash) override;
  Result<int64_t> InsertApiKey(const ApiKeyRecord& record) override;
  Result<std::vector<SpaceInfo>> ListSpaces(AccountId account, int64_t now) override;
  Result<SpaceInfo> GetSpace(const SpaceRef& space, int64_t now) override;
  Result<int64_t> DeleteSpace(const SpaceRef& space, int64_t now) override;
  Result<Memory> GetByKey(const SpaceRef& space, std::string_view key, int64_t now) override;
  Result<Memory> GetById(const SpaceRef& space, std::string_view id, int64_t now) override;
  Result<std::vector<KeyUpdated>> ListKeys(const SpaceRef& space, const ListOptions& opts,
                                           int64_t now) override;
  Result<std::vector<Memory>> ListMemories(const SpaceRef& space, const ListOptions& opts,
                                           int64_t now) override;
  Result<int64_t> CountMemories(const SpaceRef& space, int64_t now) override;
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
  Result<bool> DeleteByKey(const SpaceRef& space, std::string_view key, int64_t now) override;
  Result<std::vector<bool>> BulkDeleteByKey(const SpaceRef& space,
                                            const std::vector<std::string>& keys,
                                            int64_t now) override;
  Result<int64_t> ClearSpace(const SpaceRef& space, int64_t now) override;
  Result<bool> CreateTag(const SpaceRef& space, std::string_view name, const WriteLimits& limits,
                         int64_t now) override;
  Result<bool> DeleteTag(const SpaceRef& space, std::string_view name) override;
  Result<int64_t> PurgeExpired(int64_t now) override;

 private:
  struct Space {
    int64_t created_at = 0;
    int64_t last_used = 0;
    std::set<std::string> tags;
    std::map<int64_t, Memory> memories;  // by seq; expired ones linger until purged
  };
  using SpaceKey = std::pair<AccountId, std::string>;
  using SpaceMap = std::map<SpaceKey, Space>;

  static int64_t CountLive(const Space& space, int64_t now);
  static std::vector<const Memory*> LiveMemories(const Space& space, int64_t now);
  static SpaceInfo Summarise(const std::string& name, const Space& space, int64_t now);

  // The rest REQUIRE: mu_ held.
  Space* FindSpace(const SpaceRef& ref);
  // A write's space, created (with created_at = now) if new; `created` says whether it was.
  SpaceMap::iterator OpenSpace(const SpaceRef& ref, int64_t now, bool* created);
  // Ends a write begun with OpenSpace: stamps last_used if it wrote, else drops a new space.
  void CloseSpace(SpaceMap::iterator it, bool created, bool written, int64_t now);
  // Checks every limit before changing anything, so a failure leaves the space untouched.
  Result<PutOutcome> PutLocked(Space& space, const SpaceRef& ref, const MemoryWrite& write,
                               const WriteLimits& limits, int64_t now);

  std::mutex mu_;
  SpaceMap spaces_;
  std::map<std::string, ApiKeyRecord, std::less<>> api_keys_;  // by key hash
  int64_t next_seq_ = 1;
  int64_t next_api_key_id_ = 1;
};

}  // namespace memoryd
