// Store: durable state of memoryd (accounts' spaces, memories, tags and API keys).
//
// Implementations: SqliteStore (the embedded default, one data directory) and InMemoryStore (for
// tests). FaultyStore wraps another store and fails chosen calls, to test error paths.
//
// Semantics every implementation follows:
// - Reads never return expired memories: a memory with expires_at <= now does not exist.
// - Writes are atomic: a call either applies fully or not at all. A successful write is durable
//   when it returns (as durable as the implementation's medium is).
// - Spaces are created on first write. Reads of an unknown space see an empty space.
// - Limits are checked inside the write, so concurrent writers cannot overshoot them; exceeding
//   one yields kLimitExceeded. Replacing an existing key never counts against the memory limit.
// - Every method returns kInternal on an I/O or database failure.
//
// Thread-safety: every method may be called concurrently from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "model/memory.h"

namespace memoryd {

struct ListOptions {
  int64_t offset = 0;
  int64_t limit = 50;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- API keys ---
  // Returns the key whose hash equals `key_hash`, or kNotFound.
  virtual Result<ApiKeyRecord> FindApiKey(std::string_view key_hash) = 0;
  // Stores a new key record; returns its id. kConflict if the hash already exists.
  virtual Result<int64_t> InsertApiKey(const ApiKeyRecord& record) = 0;

  // --- spaces ---
  // All spaces of an account with their counts, by name.
  virtual Result<std::vector<SpaceInfo>> ListSpaces(AccountId account, int64_t now) = 0;
  // One space's summary; kNotFound when the space has never been written.
  virtual Result<SpaceInfo> GetSpace(const SpaceRef& space, int64_t now) = 0;
  // Deletes a space with everything in it. Returns the number of live memories removed;
  // kNotFound if the space does not exist.
  virtual Result<int64_t> DeleteSpace(const SpaceRef& space, int64_t now) = 0;

  // --- memories: reads ---
  virtual Result<Memory> GetByKey(const SpaceRef& space, std::string_view key, int64_t now) = 0;
  virtual Result<Memory> GetById(const SpaceRef& space, std::string_view id, int64_t now) = 0;
  // Keys with their update time, most recently updated first.
  virtual Result<std::vector<KeyUpdated>> ListKeys(const SpaceRef& space, const ListOptions& opts,
                                                   int64_t now) = 0;
  // Whole memories, newest created first.
  virtual Result<std::vector<Memory>> ListMemories(const SpaceRef& space, const ListOptions& opts,
                                                   int64_t now) = 0;
  virtual Result<int64_t> CountMemories(const SpaceRef& space, int64_t now) = 0;
  // Memories whose key or text contains `needle`, ignoring letter case (text::FoldForMatch;
  // accents are kept); most recently updated first, at most `limit`.
  virtual Result<std::vector<Memory>> SubstringSearch(const SpaceRef& space,
                                                      std::string_view needle, int64_t limit,
                                                      int64_t now) = 0;
  // Keys of memories carrying every tag in `tags` (sorted by key).
  virtual Result<std::vector<std::string>> KeysWithAllTags(const SpaceRef& space,
                                                           const std::vector<std::string>& tags,
                                                           int64_t now) = 0;
  // Tag names of the space, sorted.
  virtual Result<std::vector<std::string>> ListTags(const SpaceRef& space) = 0;

  // --- memories: writes ---
  // Inserts a memory, or replaces the one with the same key (keeping its id and created_at).
  // Missing tags are created in the space. kLimitExceeded when a limit would be passed.
  virtual Result<PutOutcome> Put(const SpaceRef& space, const MemoryWrite& write,
                                 const WriteLimits& limits, int64_t now) = 0;
  // Applies each write independently (one failing does not stop the rest) in one commit.
  virtual Result<std::vector<BulkPutItemOutcome>> BulkPut(const SpaceRef& space,
                                                          const std::vector<MemoryWrite>& writes,
                                                          const WriteLimits& limits,
                                                          int64_t now) = 0;
  // Deletes by key; returns whether a live memory was deleted.
  virtual Result<bool> DeleteByKey(const SpaceRef& space, std::string_view key, int64_t now) = 0;
  // Deletes each key; returns per key whether a live memory was deleted.
  virtual Result<std::vector<bool>> BulkDeleteByKey(const SpaceRef& space,
                                                    const std::vector<std::string>& keys,
                                                    int64_t now) = 0;
  // Deletes every memory of the space (tags stay). Returns how many live memories were deleted.
  virtual Result<int64_t> ClearSpace(const SpaceRef& space, int64_t now) = 0;
  // Creates a tag; returns true if it was created, false if it existed.
  virtual Result<bool> CreateTag(const SpaceRef& space, std::string_view name,
                                 const WriteLimits& limits, int64_t now) = 0;
  // Deletes a tag and unlinks it from every memory; returns whether it existed.
  virtual Result<bool> DeleteTag(const SpaceRef& space, std::string_view name) = 0;
  // Removes memories that expired at or before `now`. Returns how many were removed.
  virtual Result<int64_t> PurgeExpired(int64_t now) = 0;
};

}  // namespace memoryd
