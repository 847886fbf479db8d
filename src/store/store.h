// Store: durable state of memoryd (accounts' spaces, memories, tags and API keys).
//
// A backend implements the pure virtual methods: the primitives. What can be built from them
// at no extra cost (a lookup by id within one space, a count, one deletion, one embedding) is
// composed once here, in store.cc, and never overridden.
//
// Implementations: SqlStore (the embedded default, one data directory) and InMemoryStore (for
// tests). Tests make SqlStore's connections fail on purpose with a FaultPlan (fault_plan.h).
//
// Semantics every implementation follows:
// - Reads never return expired memories: a memory that is not store_rules::IsLive at `now` does
//   not exist (store_rules.h holds that rule and the feed's retention, once for every backend).
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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "model/memory.h"
#include "model/memory_record.h"

namespace memoryd {

struct ListOptions {
  int64_t offset = 0;
  int64_t limit = 50;
  // ListMemories only: start after this (created_at, seq) position of the newest-first order.
  std::optional<std::pair<int64_t, int64_t>> before;
};

// How much the store holds, across every account.
struct StoreTotals {
  int64_t spaces = 0;
  // Memories stored, expired ones not purged yet included (the purge runs every 30 s): what the
  // store keeps per space as it writes, so counting costs no scan of the memories.
  int64_t memories = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- API keys ---
  // Returns the key whose hash equals `key_hash`, or kNotFound.
  virtual Result<ApiKeyRecord> FindApiKey(std::string_view key_hash) = 0;
  // Stores a new key record; returns its id. kConflict if the hash already exists.
  virtual Result<int64_t> InsertApiKey(const ApiKeyRecord& record) = 0;
  // Every key, by id.
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys() = 0;
  // Deletes the key with this id; kNotFound when there is none.
  virtual Status DeleteApiKey(int64_t id) = 0;
  // Records when keys were last used (one write for many uses); a time never moves back, and
  // keys deleted meanwhile are skipped.
  virtual Status NoteApiKeysUsed(const std::vector<ApiKeyUse>& uses) = 0;

  // --- the rate-limit budget ---
  // Takes up to `want` tokens from the account's bucket, created full, holding at most
  // `per_minute` tokens and refilled at `per_minute` a minute (store_rules::TakeRateTokens) by
  // the wall clock `now_micros`. Every process on the store draws from the same bucket.
  virtual Result<RateLease> LeaseRateTokens(AccountId account, int64_t want, int64_t per_minute,
                                            int64_t now_micros) = 0;

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
  // Keys with their update time, most recently updated first.
  virtual Result<std::vector<KeyUpdated>> ListKeys(const SpaceRef& space, const ListOptions& opts,
                                                   int64_t now) = 0;
  // Whole memories, newest created first.
  virtual Result<std::vector<Memory>> ListMemories(const SpaceRef& space, const ListOptions& opts,
                                                   int64_t now) = 0;
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
  // Removes memories that expired at or before `now`. Returns how many were removed. Also drops
  // index-feed history (removals) older than a day.
  virtual Result<int64_t> PurgeExpired(int64_t now) = 0;

  // --- memories by id, across the spaces of an account ---
  // The space's row id (the key of its search indexes), or nullopt if it has never been written.
  virtual Result<std::optional<int64_t>> FindSpaceId(const SpaceRef& space) = 0;
  virtual Result<Memory> FindById(AccountId account, std::string_view id, int64_t now) = 0;
  // Replaces title, text, tags, metadata, expiry and embedding of a live memory (its key, id and
  // created_at stay). kNotFound when there is none; kLimitExceeded over the tag limit.
  virtual Result<Memory> UpdateById(AccountId account, std::string_view id,
                                    const MemoryWrite& write, const WriteLimits& limits,
                                    int64_t now) = 0;
  // Returns whether a live memory was deleted.
  virtual Result<bool> DeleteById(AccountId account, std::string_view id, int64_t now) = 0;
  // The live memories with these sequence numbers, in the order asked; missing ones are skipped.
  virtual Result<std::vector<Memory>> LoadBySeqs(const std::vector<int64_t>& seqs, int64_t now) = 0;
  // Sequence numbers of the space's live memories that pass `filter`, ascending.
  virtual Result<std::vector<int64_t>> MatchingSeqs(const SpaceRef& space,
                                                    const SearchFilter& filter, int64_t now) = 0;

  // --- monitoring ---
  // What the store holds, cheaply (for a metrics scrape): no scan of the memories.
  virtual Result<StoreTotals> Totals() = 0;

  // --- the index feed: how search indexes follow the store, in this and other processes ---
  // Every write of a memory's indexed content (key, title, text, expiry, embedding) gives it a
  // new version from one counter; every deletion records a removal with its own version.
  // The current version.
  virtual Result<int64_t> CurrentVersion() = 0;
  // Calls `on_change` (on a thread of the store's) soon after any process commits a change to
  // the feed, for as long as the returned handle lives; null when the store cannot tell, and the
  // follower finds changes by polling alone. `on_change` may also be called with no change.
  class Watch {
   public:
    virtual ~Watch() = default;
  };
  virtual std::unique_ptr<Watch> WatchChanges(std::function<void()> on_change) {
    (void)on_change;
    return nullptr;
  }
  // Upserts (memories whose version is above `version`, as they are now, embeddings included)
  // and removals after `version`, at most about `limit` of each, as one consistent snapshot.
  virtual Result<IndexChanges> ChangesSince(int64_t version, int64_t limit) = 0;
  // Calls `fn` for every live or expired memory as of one snapshot, with its embedding only
  // when its version is above `embeddings_after`. Returns the snapshot's version.
  virtual Result<int64_t> ScanIndex(int64_t embeddings_after,
                                    const std::function<Status(IndexRecord&&)>& fn) = 0;
  // Memories whose embedding was not made by `embedder` (none at all included), oldest first. A
  // memory whose embedding by `embedder` was stored empty (the embedder refused its text) is not
  // stale.
  virtual Result<std::vector<EmbeddingTask>> StaleEmbeddings(std::string_view embedder,
                                                             int64_t limit) = 0;
  virtual Result<int64_t> CountStaleEmbeddings(std::string_view embedder) = 0;
  // Stores each update's embedding, unless its memory changed since the update's version, all in
  // one transaction. Returns how many were stored.
  virtual Result<int64_t> SetEmbeddings(const std::vector<EmbeddingUpdate>& updates,
                                        std::string_view embedder) = 0;

  // --- export and import (`memoryd export` and `memoryd import`) ---
  // Calls `fn` for every live memory of the account (only those of `space` when given), ordered
  // by space name, then creation time, then seq, all read as one consistent snapshot, so
  // concurrent writers neither tear nor duplicate it. With `with_embeddings`, each record carries
  // its stored embedding and embedder (empty when there is none). Returns the first error of
  // `fn`, which stops the scan.
  virtual Status ExportMemories(AccountId account, const std::optional<std::string>& space,
                                bool with_embeddings, int64_t now,
                                const std::function<Status(MemoryRecord&&)>& fn) = 0;
  // Writes the records into the account as they are (ids, spaces, keys, timestamps, tags,
  // metadata; embedding and embedder when given) in one transaction: either all of the batch is
  // applied or none. Per record, in order:
  // - a record identical to the stored memory with its id (every field, and the embedding too
  //   when the record carries one) writes nothing: kUnchanged;
  // - otherwise the memory with its id (in any of the account's spaces) is rewritten in place,
  //   and any other memory holding the record's (space, key) is deleted: kReplaced; a record
  //   without an embedding keeps the stored one only when key, title and text are unchanged
  //   (else the background embedding makes a new one);
  // - a record whose id is new is inserted: kCreated, or kReplaced when it displaced another
  //   memory holding its (space, key).
  // Spaces and tags are created as needed; no limit applies (an operator restores data).
  // REQUIRES: the records are valid (ids, names, sizes) and no two share an id or a (space, key).
  // kConflict when a record's id belongs to another account.
  virtual Result<std::vector<ImportOutcome>> ImportMemories(
      AccountId account, const std::vector<MemoryRecord>& records, int64_t now) = 0;

  // --- composed from the primitives above: the same for every backend, never overridden ---
  // The live memory with this id in this space; kNotFound when it is in no space or another.
  Result<Memory> GetById(const SpaceRef& space, std::string_view id, int64_t now);
  // Live memories of the space (0 for a space never written).
  Result<int64_t> CountMemories(const SpaceRef& space, int64_t now);
  // Deletes by key; returns whether a live memory was deleted.
  Result<bool> DeleteByKey(const SpaceRef& space, std::string_view key, int64_t now);
  // Stores an embedding for the memory, unless it changed since `version` (then false).
  Result<bool> SetEmbedding(int64_t seq, int64_t version, const std::vector<float>& vector,
                            std::string_view embedder);
};

}  // namespace memoryd
