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

#undef MEMORYD_FAULT_POINT

}  // namespace memoryd
