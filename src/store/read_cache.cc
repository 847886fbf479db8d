#include "store/read_cache.h"

#include <functional>

#include "store/store_rules.h"

namespace memoryd {

// What an entry costs: the memory and its strings, the map's node with its key, and the
// allocator's overhead on each block, roughly.
int64_t ReadCache::EntryBytes(const std::string& cache_key, const Memory& m) {
  constexpr int64_t kPerString = 32;  // heap block overhead, and short strings' rounding
  int64_t bytes = static_cast<int64_t>(sizeof(Memory) + sizeof(Entry) + 64 + cache_key.size() +
                                       m.id.size() + m.space.size() + m.title.size() +
                                       m.text.size() + m.metadata_json.size()) +
                  6 * kPerString;
  if (m.key) bytes += static_cast<int64_t>(m.key->size()) + kPerString;
  for (const auto& tag : m.tags) {
    bytes += static_cast<int64_t>(sizeof(std::string) + tag.size()) + kPerString;
  }
  return bytes;
}

ReadCache::ReadCache(int64_t capacity_bytes, int64_t max_age_millis)
    : shard_capacity_(capacity_bytes > 0 ? capacity_bytes / static_cast<int64_t>(kShards) : 0),
      max_age_millis_(max_age_millis) {}

std::string ReadCache::CacheKey(const SpaceRef& space, std::string_view key) {
  // The space name's length keeps ("a", "bc") and ("ab", "c") apart.
  std::string out = std::to_string(space.account_id);
  out += ':';
  out += std::to_string(space.name.size());
  out += ':';
  out += space.name;
  out += key;
  return out;
}

ReadCache::Shard& ReadCache::ShardFor(const std::string& cache_key) {
  return shards_[std::hash<std::string>{}(cache_key) % kShards];
}

std::optional<Memory> ReadCache::Find(const SpaceRef& space, std::string_view key,
                                      uint64_t generation, int64_t now) {
  if (shard_capacity_ == 0) return std::nullopt;
  const std::string cache_key = CacheKey(space, key);
  Shard& shard = ShardFor(cache_key);
  std::shared_ptr<const Memory> found;
  {
    std::lock_guard lock(shard.mu);
    if (shard.generation != generation) return std::nullopt;
    auto it = shard.entries.find(cache_key);
    if (it == shard.entries.end()) return std::nullopt;
    // A clock that moved back counts as too old as well.
    const int64_t age = now - it->second.read_at;
    if (age < 0 || age >= max_age_millis_) return std::nullopt;
    found = it->second.memory;
  }
  if (!store_rules::IsLive(*found, now)) return std::nullopt;
  return *found;
}

void ReadCache::Insert(const SpaceRef& space, std::string_view key, uint64_t generation,
                       const Memory& memory, int64_t now) {
  if (shard_capacity_ == 0) return;
  const std::string cache_key = CacheKey(space, key);
  const int64_t bytes = EntryBytes(cache_key, memory);
  if (bytes > shard_capacity_) return;
  auto copy = std::make_shared<const Memory>(memory);  // allocated outside the lock
  Shard& shard = ShardFor(cache_key);
  std::shared_ptr<const Memory> replaced;  // freed after the lock is released
  std::lock_guard lock(shard.mu);
  if (generation < shard.generation) return;  // read before a later commit: already stale
  if (generation > shard.generation) {
    shard.entries.clear();
    shard.bytes = 0;
    shard.generation = generation;
  }
  auto it = shard.entries.find(cache_key);
  if (it != shard.entries.end()) {
    shard.bytes -= it->second.bytes;
    replaced = std::move(it->second.memory);
    shard.entries.erase(it);
  }
  if (shard.bytes + bytes > shard_capacity_) {
    shard.entries.clear();
    shard.bytes = 0;
  }
  shard.entries.emplace(cache_key, Entry{std::move(copy), now, bytes});
  shard.bytes += bytes;
}

}  // namespace memoryd
