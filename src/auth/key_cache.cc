#include "auth/key_cache.h"

#include <mutex>

#include "auth/api_key.h"

namespace memoryd {

std::optional<ApiKeyRecord> KeyCache::Find(std::string_view digest) const {
  std::shared_lock lock(mu_);
  auto it = records_.find(std::string(digest));
  // The map found the digest by hash and ==; compare again in constant time all the same.
  if (it == records_.end() || !DigestsEqual(it->first, digest)) return std::nullopt;
  return it->second;
}

void KeyCache::Insert(const ApiKeyRecord& record) {
  std::unique_lock lock(mu_);
  if (records_.size() >= capacity_) records_.clear();
  records_.insert_or_assign(record.key_hash, record);
}

void KeyCache::Clear() {
  std::unique_lock lock(mu_);
  records_.clear();
}

}  // namespace memoryd
