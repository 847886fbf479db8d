// KeyCache: the API keys the store has recently confirmed, by SHA-256 digest, so that a request
// with a key made by `memoryd key create` does not query the store every time. It holds digests
// and key records only, never keys.
//
// Only confirmed keys are kept: an unknown digest is not remembered, so a key created while the
// server runs works on its first request. A confirmation is trusted for `max_age` only: a key
// revoked by another process (`memoryd key revoke`, or its row deleted by hand) is refused once
// its entry has aged out, without any signal between the processes. Bounded: when full it starts
// over empty (a miss only costs the store lookup it saves).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/memory.h"

namespace memoryd {

class KeyCache {
 public:
  static constexpr size_t kDefaultCapacity = 4096;
  static constexpr int64_t kDefaultMaxAgeMicros = 500'000;

  explicit KeyCache(size_t capacity = kDefaultCapacity,
                    int64_t max_age_micros = kDefaultMaxAgeMicros)
      : capacity_(capacity), max_age_micros_(max_age_micros) {}

  // The record whose key_hash is `digest`, or nullopt when not cached or confirmed longer than
  // max_age before `now_micros` (a monotonic time).
  std::optional<ApiKeyRecord> Find(std::string_view digest, int64_t now_micros) const;
  // Remembers a record the store returned (keyed by its key_hash) as confirmed at `now_micros`.
  void Insert(const ApiKeyRecord& record, int64_t now_micros);
  void Clear();

 private:
  struct Entry {
    ApiKeyRecord record;
    int64_t confirmed_at = 0;
  };
  const size_t capacity_;
  const int64_t max_age_micros_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> records_;  // key_hash -> record
};

}  // namespace memoryd
