// ReadCache: memories recently read by key, each tagged with the SharedGeneration value read
// before the memory was. An entry answers only while the generation is unchanged, that is until
// the next commit to the database by any process, and only while the memory has not expired.
// Reading the generation before the row is what makes this safe: a commit that lands between the
// two reads leaves the entry tagged with the older value, so it never answers.
//
// An entry also answers for at most `max_age_millis` after its read. The generation is bumped
// just after a commit; a writer process killed in between leaves a committed change that no bump
// announces, and the age bound is what limits how long another process can miss it.
//
// Bounded by bytes: a shard that would exceed its share starts over empty. A shard also empties
// when it first sees a newer generation, since nothing older can answer again.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/memory.h"

namespace memoryd {

class ReadCache {
 public:
  static constexpr int64_t kDefaultMaxAgeMillis = 1000;

  // capacity_bytes == 0 turns the cache off.
  explicit ReadCache(int64_t capacity_bytes, int64_t max_age_millis = kDefaultMaxAgeMillis);

  // The cached memory, if it was read at `generation`, less than the maximum age before `now`,
  // and is live at `now`.
  std::optional<Memory> Find(const SpaceRef& space, std::string_view key, uint64_t generation,
                             int64_t now);
  // Remembers `memory`, read at `now` after the generation was `generation`.
  void Insert(const SpaceRef& space, std::string_view key, uint64_t generation,
              const Memory& memory, int64_t now);

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    std::shared_ptr<const Memory> memory;  // copied out after the shard's lock is released
    int64_t read_at = 0;
    int64_t bytes = 0;
  };
  struct Shard {
    std::mutex mu;
    uint64_t generation = 0;  // every entry was read at this generation
    int64_t bytes = 0;
    std::unordered_map<std::string, Entry> entries;
  };
  static std::string CacheKey(const SpaceRef& space, std::string_view key);
  static int64_t EntryBytes(const std::string& cache_key, const Memory& m);
  Shard& ShardFor(const std::string& cache_key);

  const int64_t shard_capacity_;
  const int64_t max_age_millis_;
  std::array<Shard, kShards> shards_;
};

}  // namespace memoryd
