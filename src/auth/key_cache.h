// KeyCache: the API keys the store has already confirmed, by SHA-256 digest, so that a request
// with a key made by `memoryd key create` does not query the store every time. It holds digests
// and key records only, never keys.
//
// Only confirmed keys are kept: an unknown digest is not remembered, so a key created while the
// server runs works on its first request. Keys are never revoked today; whatever revokes one
// later must call Clear(). Bounded: when full it starts over empty (a miss only costs the store
// lookup it saves).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
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

  explicit KeyCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The record whose key_hash is `digest`, or nullopt when not cached.
  std::optional<ApiKeyRecord> Find(std::string_view digest) const;
  // Remembers a record the store returned (keyed by its key_hash).
  void Insert(const ApiKeyRecord& record);
  void Clear();

 private:
  const size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ApiKeyRecord> records_;  // key_hash -> record
};

}  // namespace memoryd
