// FaultyStore: a Store that forwards to another Store but fails chosen calls with
// kInternal("injected fault"), so tests can drive the error paths of the code above the store.
//
// A call fails when either rule matches:
// - its number equals fail_at_call (calls are numbered from 1 across all methods, failed calls
//   included), or
// - its method name (e.g. "Put", "BulkPut", "FindApiKey") is in fail_methods.
// A failed call never reaches the wrapped store.
//
// Thread-safety: all methods are safe to call concurrently if the wrapped store's are; the
// rules may be changed while other threads call the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace memoryd {

struct FaultyStoreOptions {
  int64_t fail_at_call = 0;            // the 1-based call number to fail; 0 fails none
  std::set<std::string> fail_methods;  // every call to these methods fails
};

class FaultyStore final : public Store {
 public:
  // Wraps `base`, which must outlive this store.
  explicit FaultyStore(Store& base, FaultyStoreOptions options = {});
  // Wraps and owns `base`.
  explicit FaultyStore(std::unique_ptr<Store> base, FaultyStoreOptions options = {});

  // Replaces the rules; the call count keeps running.
  void SetOptions(FaultyStoreOptions options);
  // Makes the `n`th call from now fail (n = 1: the next call), keeping fail_methods.
  void FailNthCallFromNow(int64_t n);
  // Calls made so far, failed ones included.
  int64_t calls() const;
  // Calls that were failed on purpose so far.
  int64_t injected_faults() const;

  Result<ApiKeyRecord> FindApiKey(std::string_view key_hash) override;
  Result<int64_t> InsertApiKey(const ApiKeyRecord& record) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override;
  Status DeleteApiKey(int64_t id) override;
  Status NoteApiKeysUsed(const std::vector<ApiKeyUse>& uses) override;
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
  Result<bool> SetEmbedding(int64_t seq, int64_t version, const std::vector<float>& vector,
                            std::string_view embedder) override;
  Result<int64_t> SetEmbeddings(const std::vector<EmbeddingUpdate>& updates,
                                std::string_view embedder) override;
  Status ExportMemories(AccountId account, const std::optional<std::string>& space,
                        bool with_embeddings, int64_t now,
                        const std::function<Status(MemoryRecord&&)>& fn) override;
  Result<std::vector<ImportOutcome>> ImportMemories(AccountId account,
                                                    const std::vector<MemoryRecord>& records,
                                                    int64_t now) override;

 private:
  // Counts the call; returns the injected fault if a rule matches it, else OK.
  Status Check(std::string_view method);

  std::unique_ptr<Store> owned_;  // empty when the caller owns the wrapped store
  Store& base_;
  mutable std::mutex mu_;
  FaultyStoreOptions options_;
  int64_t calls_ = 0;
  int64_t injected_faults_ = 0;
};

}  // namespace memoryd
