#include "store/read_cache.h"

#include <functional>

namespace memoryd {
namespace {

// What an entry costs: its strings and the map's node, roughly.
int64_t EntryBytes(const std::string& cache_key, const Memory& m) {
  int64_t bytes =
      160 + static_cast<int64_t>(cache_key.size() + m.id.size() + m.space.size() + m.title.size() +
                                 m.text.size() + m.metadata_json.size());
  if (m.key) bytes += static_cast<int64_t>(m.key->size());
  for (const auto& tag : m.tags) bytes += 32 + static_cast<int64_t>(tag.size());
  return bytes;
}

}  // namespace

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
  std::lock_guard lock(shard.mu);
  if (shard.generation != generation) return std::nullopt;
  auto it = shard.entries.find(cache_key);
  if (it == shard.entries.end()) return std::nullopt;
  // A clock that moved back counts as too old as well.
  const int64_t age = now - it->second.read_at;
  if (age < 0 || age >= max_age_millis_) return std::nullopt;
  const Memory& m = it->second.memory;
  if (m.expires_at && *m.expires_at <= now) return std::nullopt;
  return m;
}

void ReadCache::Insert(const SpaceRef& space, std::string_view key, uint64_t generation,
                       const Memory& memory, int64_t now) {
  if (shard_capacity_ == 0) return;
  const std::string cache_key = CacheKey(space, key);
  const int64_t bytes = EntryBytes(cache_key, memory);
  if (bytes > shard_capacity_) return;
  Shard& shard = ShardFor(cache_key);
  std::lock_guard lock(shard.mu);
  if (generation < shard.generation) return;  // read before a later commit: already stale
  if (generation > shard.generation || shard.bytes + bytes > shard_capacity_) {
    shard.entries.clear();
    shard.bytes = 0;
    shard.generation = generation;
  }
  auto [it, inserted] = shard.entries.try_emplace(cache_key);
  if (!inserted) shard.bytes -= it->second.bytes;
  it->second = Entry{memory, now, bytes};
  shard.bytes += bytes;
}

}  // namespace memoryd
