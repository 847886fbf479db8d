#include "store/faulty_store.h"

#include <utility>

namespace memoryd {

FaultyStore::FaultyStore(Store& base, FaultyStoreOptions options)
    : base_(base), options_(std::move(options)) {}

FaultyStore::FaultyStore(std::unique_ptr<Store> base, FaultyStoreOptions options)
    : owned_(std::move(base)), base_(*owned_), options_(std::move(options)) {}

void FaultyStore::SetOptions(FaultyStoreOptions options) {
  std::lock_guard lock(mu_);
  options_ = std::move(options);
}

void FaultyStore::FailNthCallFromNow(int64_t n) {
  std::lock_guard lock(mu_);
  options_.fail_at_call = calls_ + n;
}

int64_t FaultyStore::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

int64_t FaultyStore::injected_faults() const {
  std::lock_guard lock(mu_);
  return injected_faults_;
}

Status FaultyStore::Check(std::string_view method) {
  std::lock_guard lock(mu_);
  ++calls_;
  const bool by_number = calls_ == options_.fail_at_call;
  const bool by_method = options_.fail_methods.contains(std::string(method));
  if (!by_number && !by_method) return Status::Ok();
  ++injected_faults_;
  return Status::Internal("injected fault");
}

// Each method: fail if a rule says so, otherwise forward unchanged.
#define MEMORYD_FAULT_POINT(method) MEMORYD_RETURN_IF_ERROR(Check(method))

Result<ApiKeyRecord> FaultyStore::FindApiKey(std::string_view key_hash) {
  MEMORYD_FAULT_POINT("FindApiKey");
  return base_.FindApiKey(key_hash);
}

Result<int64_t> FaultyStore::InsertApiKey(const ApiKeyRecord& record) {
  MEMORYD_FAULT_POINT("InsertApiKey");
  return base_.InsertApiKey(record);
}

Result<std::vector<ApiKeyRecord>> FaultyStore::ListApiKeys() {
  MEMORYD_FAULT_POINT("ListApiKeys");
  return base_.ListApiKeys();
}

Status FaultyStore::DeleteApiKey(int64_t id) {
  MEMORYD_FAULT_POINT("DeleteApiKey");
  return base_.DeleteApiKey(id);
}

Status FaultyStore::NoteApiKeysUsed(const std::vector<ApiKeyUse>& uses) {
  MEMORYD_FAULT_POINT("NoteApiKeysUsed");
  return base_.NoteApiKeysUsed(uses);
}

Result<std::vector<SpaceInfo>> FaultyStore::ListSpaces(AccountId account, int64_t now) {
  MEMORYD_FAULT_POINT("ListSpaces");
  return base_.ListSpaces(account, now);
}

Result<SpaceInfo> FaultyStore::GetSpace(const SpaceRef& space, int64_t now) {
  MEMORYD_FAULT_POINT("GetSpace");
  return base_.GetSpace(space, now);
}

Result<int64_t> FaultyStore::DeleteSpace(const SpaceRef& space, int64_t now) {
  MEMORYD_FAULT_POINT("DeleteSpace");
  return base_.DeleteSpace(space, now);
}

Result<Memory> FaultyStore::GetByKey(const SpaceRef& space, std::string_view key, int64_t now) {
  MEMORYD_FAULT_POINT("GetByKey");
  return base_.GetByKey(space, key, now);
}

Result<Memory> FaultyStore::GetById(const SpaceRef& space, std::string_view id, int64_t now) {
  MEMORYD_FAULT_POINT("GetById");
  return base_.GetById(space, id, now);
}

Result<std::vector<KeyUpdated>> FaultyStore::ListKeys(const SpaceRef& space,
                                                      const ListOptions& opts, int64_t now) {
  MEMORYD_FAULT_POINT("ListKeys");
  return base_.ListKeys(space, opts, now);
}

Result<std::vector<Memory>> FaultyStore::ListMemories(const SpaceRef& space,
                                                      const ListOptions& opts, int64_t now) {
  MEMORYD_FAULT_POINT("ListMemories");
  return base_.ListMemories(space, opts, now);
}

Result<int64_t> FaultyStore::CountMemories(const SpaceRef& space, int64_t now) {
  MEMORYD_FAULT_POINT("CountMemories");
  return base_.CountMemories(space, now);
}

Result<std::vector<Memory>> FaultyStore::SubstringSearch(const SpaceRef& space,
                                                         std::string_view needle, int64_t limit,
                                                         int64_t now) {
  MEMORYD_FAULT_POINT("SubstringSearch");
  return base_.SubstringSearch(space, needle, limit, now);
}

Result<std::vector<std::string>> FaultyStore::KeysWithAllTags(const SpaceRef& space,
                                                              const std::vector<std::string>& tags,
                                                              int64_t now) {
  MEMORYD_FAULT_POINT("KeysWithAllTags");
  return base_.KeysWithAllTags(space, tags, now);
}

Result<std::vector<std::string>> FaultyStore::ListTags(const SpaceRef& space) {
  MEMORYD_FAULT_POINT("ListTags");
  return base_.ListTags(space);
}

Result<PutOutcome> FaultyStore::Put(const SpaceRef& space, const MemoryWrite& write,
                                    const WriteLimits& limits, int64_t now) {
  MEMORYD_FAULT_POINT("Put");
  return base_.Put(space, write, limits, now);
}

Result<std::vector<BulkPutItemOutcome>> FaultyStore::BulkPut(const SpaceRef& space,
                                                             const std::vector<MemoryWrite>& writes,
                                                             const WriteLimits& limits,
                                                             int64_t now) {
  MEMORYD_FAULT_POINT("BulkPut");
  return base_.BulkPut(space, writes, limits, now);
}

Result<bool> FaultyStore::DeleteByKey(const SpaceRef& space, std::string_view key, int64_t now) {
  MEMORYD_FAULT_POINT("DeleteByKey");
  return base_.DeleteByKey(space, key, now);
}

Result<std::vector<bool>> FaultyStore::BulkDeleteByKey(const SpaceRef& space,
                                                       const std::vector<std::string>& keys,
                                                       int64_t now) {
  MEMORYD_FAULT_POINT("BulkDeleteByKey");
  return base_.BulkDeleteByKey(space, keys, now);
}

Result<int64_t> FaultyStore::ClearSpace(const SpaceRef& space, int64_t now) {
  MEMORYD_FAULT_POINT("ClearSpace");
  return base_.ClearSpace(space, now);
}

Result<bool> FaultyStore::CreateTag(const SpaceRef& space, std::string_view name,
                                    const WriteLimits& limits, int64_t now) {
  MEMORYD_FAULT_POINT("CreateTag");
  return base_.CreateTag(space, name, limits, now);
}

Result<bool> FaultyStore::DeleteTag(const SpaceRef& space, std::string_view name) {
  MEMORYD_FAULT_POINT("DeleteTag");
  return base_.DeleteTag(space, name);
}

Result<int64_t> FaultyStore::PurgeExpired(int64_t now) {
  MEMORYD_FAULT_POINT("PurgeExpired");
  return base_.PurgeExpired(now);
}

Result<std::optional<int64_t>> FaultyStore::FindSpaceId(const SpaceRef& space) {
  MEMORYD_FAULT_POINT("FindSpaceId");
  return base_.FindSpaceId(space);
}

Result<Memory> FaultyStore::FindById(AccountId account, std::string_view id, int64_t now) {
  MEMORYD_FAULT_POINT("FindById");
  return base_.FindById(account, id, now);
}

Result<Memory> FaultyStore::UpdateById(AccountId account, std::string_view id,
                                       const MemoryWrite& write, const WriteLimits& limits,
                                       int64_t now) {
  MEMORYD_FAULT_POINT("UpdateById");
  return base_.UpdateById(account, id, write, limits, now);
}

Result<bool> FaultyStore::DeleteById(AccountId account, std::string_view id, int64_t now) {
  MEMORYD_FAULT_POINT("DeleteById");
  return base_.DeleteById(account, id, now);
}

Result<std::vector<Memory>> FaultyStore::LoadBySeqs(const std::vector<int64_t>& seqs, int64_t now) {
  MEMORYD_FAULT_POINT("LoadBySeqs");
  return base_.LoadBySeqs(seqs, now);
}

Result<std::vector<int64_t>> FaultyStore::MatchingSeqs(const SpaceRef& space,
                                                       const SearchFilter& filter, int64_t now) {
  MEMORYD_FAULT_POINT("MatchingSeqs");
  return base_.MatchingSeqs(space, filter, now);
}

Result<StoreTotals> FaultyStore::Totals() {
  MEMORYD_FAULT_POINT("Totals");
  return base_.Totals();
}

Result<int64_t> FaultyStore::CurrentVersion() {
  MEMORYD_FAULT_POINT("CurrentVersion");
  return base_.CurrentVersion();
}

Result<IndexChanges> FaultyStore::ChangesSince(int64_t version, int64_t limit) {
  MEMORYD_FAULT_POINT("ChangesSince");
  return base_.ChangesSince(version, limit);
}

Result<int64_t> FaultyStore::ScanIndex(int64_t embeddings_after,
                                       const std::function<Status(IndexRecord&&)>& fn) {
  MEMORYD_FAULT_POINT("ScanIndex");
  return base_.ScanIndex(embeddings_after, fn);
}

Result<std::vector<EmbeddingTask>> FaultyStore::StaleEmbeddings(std::string_view embedder,
                                                                int64_t limit) {
  MEMORYD_FAULT_POINT("StaleEmbeddings");
  return base_.StaleEmbeddings(embedder, limit);
}

Result<int64_t> FaultyStore::CountStaleEmbeddings(std::string_view embedder) {
  MEMORYD_FAULT_POINT("CountStaleEmbeddings");
  return base_.CountStaleEmbeddings(embedder);
}

Result<bool> FaultyStore::SetEmbedding(int64_t seq, int64_t version,
                                       const std::vector<float>& vector,
                                       std::string_view embedder) {
  MEMORYD_FAULT_POINT("SetEmbedding");
  return base_.SetEmbedding(seq, version, vector, embedder);
}

Result<int64_t> FaultyStore::SetEmbeddings(const std::vector<EmbeddingUpdate>& updates,
                                           std::string_view embedder) {
  MEMORYD_FAULT_POINT("SetEmbeddings");
  return base_.SetEmbeddings(updates, embedder);
}

Status FaultyStore::ExportMemories(AccountId account, const std::optional<std::string>& space,
                                   bool with_embeddings, int64_t now,
                                   const std::function<Status(MemoryRecord&&)>& fn) {
  MEMORYD_FAULT_POINT("ExportMemories");
  return base_.ExportMemories(account, space, with_embeddings, now, fn);
}

Result<std::vector<ImportOutcome>> FaultyStore::ImportMemories(
    AccountId account, const std::vector<MemoryRecord>& records, int64_t now) {
  MEMORYD_FAULT_POINT("ImportMemories");
  return base_.ImportMemories(account, records, now);
}

#undef MEMORYD_FAULT_POINT

}  // namespace memoryd
