// Plain data shared by every subsystem. No behaviour, no I/O, no library types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memoryd {

using AccountId = int64_t;
inline constexpr AccountId kDefaultAccountId = 1;
inline constexpr const char* kDefaultSpace = "default";

// Identifies one space: spaces are namespaces inside an account.
struct SpaceRef {
  AccountId account_id = kDefaultAccountId;
  std::string name;
};

// A stored memory. `key` is optional and unique within its space; `id` is server generated.
struct Memory {
  int64_t seq = 0;    // store-internal row number, stable for the memory's life
  std::string id;     // public id
  std::string space;  // space name
  std::optional<std::string> key;
  std::string title;
  std::string text;  // the seed-004 "value"
  std::vector<std::string> tags;
  std::string metadata_json = "{}";  // a JSON object, kept as validated text
  int64_t created_at = 0;            // ms since epoch
  int64_t updated_at = 0;
  std::optional<int64_t> expires_at;
};

// What a caller asks to store. Keyed writes replace the existing memory with the same key.
struct MemoryWrite {
  std::optional<std::string> key;
  std::string title;
  std::string text;
  std::vector<std::string> tags;
  std::string metadata_json = "{}";
  std::optional<int64_t> expires_at;
  // The text's embedding and the embedder that made it (Embedder::Name()); empty when none was
  // made (it is then made in the background).
  std::vector<float> embedding;
  std::string embedder;
};

struct PutOutcome {
  Memory memory;
  bool created = false;  // false when an existing keyed memory was replaced
};

// Per-item outcome of a bulk operation: either the outcome or the reason it failed.
struct BulkPutItemOutcome {
  std::optional<PutOutcome> outcome;
  std::string error;  // set when outcome is empty
};

struct KeyUpdated {
  std::string key;
  int64_t updated_at = 0;
};

struct SpaceInfo {
  std::string name;
  std::string description;
  int64_t memory_count = 0;  // non-expired
  int64_t tag_count = 0;
  int64_t created_at = 0;
  int64_t last_used = 0;
};

// Limits the store enforces atomically with a write.
struct WriteLimits {
  int64_t max_memories_per_space = 0;  // 0 means unlimited
  int64_t max_tags_per_space = 0;      // 0 means unlimited
};

// Conditions a search or a listing may put on memories; every set condition must hold.
struct MetadataMatch {
  std::string key;         // a top-level metadata field (no '"' and no control characters)
  std::string json_value;  // the value it must equal, as JSON text ("\"a\"", "3", "true")
};
struct SearchFilter {
  std::vector<std::string> tags_any;  // carries at least one of these (when not empty)
  std::vector<std::string> tags_all;  // carries every one of these
  std::vector<MetadataMatch> metadata;
  std::optional<int64_t> created_after;   // ms since epoch, exclusive
  std::optional<int64_t> created_before;  // ms since epoch, exclusive

  bool empty() const {
    return tags_any.empty() && tags_all.empty() && metadata.empty() && !created_after &&
           !created_before;
  }
};

// What the search indexes need of one memory (the index feed, see Store::ChangesSince).
struct IndexRecord {
  int64_t seq = 0;
  int64_t space_id = 0;
  int64_t version = 0;
  std::optional<std::string> key;
  std::string title;
  std::string text;
  std::optional<int64_t> expires_at;
  std::vector<float> embedding;  // empty when none is stored or it was not asked for
  std::string embedder;          // who made `embedding`
};

// A memory deleted at `version` (by any path: delete, clear, purge, space deletion).
struct IndexRemoval {
  int64_t version = 0;
  int64_t space_id = 0;
  int64_t seq = 0;
};

// Everything that changed after a version, up to `version`.
struct IndexChanges {
  int64_t version = 0;  // the newest version these changes bring an index to
  std::vector<IndexRecord> upserts;
  std::vector<IndexRemoval> removals;
  bool complete = true;  // false when the history asked for was pruned: rescan everything
};

// A memory whose embedding is missing or was made by another embedder.
struct EmbeddingTask {
  int64_t seq = 0;
  int64_t version = 0;
  std::optional<std::string> key;
  std::string title;
  std::string text;
};

// An embedding for a memory, to be stored unless the memory changed since `version`.
struct EmbeddingUpdate {
  int64_t seq = 0;
  int64_t version = 0;
  std::vector<float> vector;  // empty: the embedder refused this text; it is found by words
};

struct ApiKeyRecord {
  int64_t id = 0;
  AccountId account_id = kDefaultAccountId;
  std::string key_hash;              // raw SHA-256 bytes of the key
  std::optional<std::string> space;  // set for a space-scoped key
  bool read_only = false;
  int64_t created_at = 0;
  std::string name;                     // the operator's label (may be empty)
  std::optional<int64_t> last_used_at;  // coarse: recorded in batches, not on every request
};

// When a key was last used, to be recorded (see Store::NoteApiKeysUsed).
struct ApiKeyUse {
  int64_t id = 0;
  int64_t used_at = 0;
};

// An account's rate-limit bucket as the store keeps it (see Store::LeaseRateTokens).
struct RateBucket {
  double tokens = 0;           // at most the configured requests per minute
  int64_t updated_micros = 0;  // wall clock of the last lease
};

// Tokens taken from a bucket; when none, how long until one is there.
struct RateLease {
  int64_t granted = 0;
  double wait_seconds = 0;
};

}  // namespace memoryd
