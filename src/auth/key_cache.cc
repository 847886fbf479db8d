#include "auth/key_cache.h"

#include <mutex>

#include "auth/api_key.h"

namespace memoryd {

std::optional<ApiKeyRecord> KeyCache::Find(std::string_view digest, int64_t now_micros) const {
  std::shared_lock lock(mu_);
  auto it = records_.find(std::string(digest));
  // The map found the digest by hash and ==; compare again in constant time all the same.
  if (it == records_.end() || !DigestsEqual(it->first, digest)) return std::nullopt;
  if (now_micros - it->second.confirmed_at >= max_age_micros_) return std::nullopt;
  return it->second.record;
}

void KeyCache::Insert(const ApiKeyRecord& record, int64_t now_micros) {
  std::unique_lock lock(mu_);
  if (records_.size() >= capacity_) records_.clear();
  records_.insert_or_assign(record.key_hash, Entry{record, now_micros});
}

void KeyCache::Clear() {
  std::unique_lock lock(mu_);
  records_.clear();
}

}  // namespace memoryd
