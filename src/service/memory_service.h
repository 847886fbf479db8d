// MemoryService: the one entry point every surface (REST dialects, MCP) uses. It authenticates,
// applies the shared rate-limit budget, resolves which space a request acts on, validates input
// and calls the Store. It knows nothing of HTTP or JSON.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/key_cache.h"
#include "auth/key_use_log.h"
#include "core/clock.h"
#include "core/result.h"
#include "embed/embedder_guard.h"
#include "search/explain.h"
#include "service/options.h"
#include "service/rate_limiter.h"
#include "store/store.h"
#include "text/analyzer.h"

namespace memoryd {

// Who is calling: the account, and the key's restrictions.
struct Principal {
  AccountId account_id = kDefaultAccountId;
  std::optional<std::string> space;  // set for a space-scoped key
  bool read_only = false;
};

enum class Access { kRead, kWrite };

// A memory as a caller describes it, before validation.
struct MemoryInput {
  std::optional<std::string> key;
  std::string title;
  std::string text;
  std::vector<std::string> tags;
  std::string metadata_json = "{}";
  std::optional<double> ttl_minutes;
};

// One bulk-set item: the parsed input, or why it could not be parsed.
struct BulkItem {
  std::optional<MemoryInput> input;
  std::string error;
};

struct KeyPage {
  std::vector<KeyUpdated> keys;
  int64_t total = 0;
};

struct SearchQuery {
  std::string text;
  int64_t top_k = 10;  // 1..100
  SearchFilter filter;
  double min_score = 0;  // 0..1: results scoring below it are left out
  bool explain = false;  // attach an Explanation to every result
};
struct SearchResult {
  Memory memory;
  double score = 0;    // fused relevance in [0, 1]; >= 0.95 is a near-duplicate
  double meaning = 0;  // the vector (meaning) part of the score alone, in [0, 1]
  std::shared_ptr<const Explanation> explanation;  // set when the query asked for it
};
// Outcome of Add: the stored memory, or with dedupe the existing near-copy that was kept.
struct AddResult {
  Memory memory;
  bool created = false;    // a new memory was stored
  bool duplicate = false;  // dedupe found an existing near-copy and stored nothing
};
// A partial update by id: only the fields that are set change.
struct MemoryPatch {
  std::optional<std::string> title;
  std::optional<std::string> text;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> metadata_json;
  std::optional<double> ttl_minutes;  // restarts the expiry from now
  bool clear_expiry = false;          // the memory no longer expires
};
// One page of memories, newest first; next_cursor continues after the last one.
struct RecentPage {
  std::vector<Memory> memories;
  std::optional<std::string> next_cursor;
};

// The answer of a search: the results, best first, and whether they were found without the
// query's vector (then `degraded` says why: the embedder is down, slow or misconfigured).
struct SearchAnswer {
  std::vector<SearchResult> results;
  std::string degraded;  // empty when the search used meaning as well as words
};

struct SpaceSummary {
  SpaceInfo info;
  int64_t memory_limit = 0;
  int64_t tag_limit = 0;
  std::optional<int64_t> last_used;  // nullopt when the space has never been used
};

class SearchEngine;
struct EngineHit;

class MemoryService {
 public:
  MemoryService(Store& store, const Clock& clock, ServiceOptions options);

  // Enables the semantic operations. Both must outlive the service. With an in-process
  // embedder every write is embedded inline; otherwise writes are stored without their vector
  // and `on_write` (when set) is called after each, to wake the background embedding. Without
  // them, Add/Search answer kUnavailable and writes store no embedding.
  void AttachSearch(SearchEngine* engine, EmbedderGuard* embedder,
                    std::function<void()> on_write = nullptr);
  // Search with the indexes still loading: AttachSearch(nullptr, ...), then SetEngine once they
  // are. Meanwhile a search waits up to a second for them, then matches words in the store
  // (`analyzer` picks the query's words) and says so (degraded); writes go on as usual.
  void SetLoadingAnalyzer(std::shared_ptr<const text::TextAnalyzer> analyzer);
  void SetEngine(SearchEngine* engine);
  // The engine, after waiting up to `wait` for it to be set; null while the indexes load.
  SearchEngine* Engine(std::chrono::milliseconds wait) const;
  // True once searches no longer wait for the indexes (loaded, or search not enabled): until
  // then the transports run searches off their I/O threads.
  bool SearchReady() const { return embedder_ == nullptr || engine_.load() != nullptr; }
  // Why searches are degraded while the indexes load; empty once they are ready.
  std::string IndexesLoading() const;
  // Whether the store answers (one cheap read): for /healthz, so that a node whose database
  // went away says so.
  Status CheckStore() const { return store_.CurrentVersion().status(); }
  void SetLoadingProblem(std::string problem);

  const ServiceOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }

  // Registers a key given on the command line (kept in memory only, as a hash).
  void AddStaticKey(std::string_view key, Principal principal);
  // The principal for `token`; kUnauthenticated if unknown, kInternal on a store failure.
  // A stored key's confirmation is reused for half a second, so a key revoked by any process
  // is refused within that time. Uses of stored keys are remembered for FlushKeyUses.
  Result<Principal> Authenticate(std::string_view token);
  // Writes when stored keys were last used (coarse; see KeyUseLog). Call periodically and at
  // shutdown.
  Status FlushKeyUses();
  // Takes one request from the account's budget; kRateLimited when spent.
  Status Admit(const Principal& principal);
  // How many requests Admit has refused (over the rate limit) since the start.
  int64_t RateLimitedCount() const { return limiter_.refused(); }
  // The space a request acts on: `requested` (empty for none), else the key's own space, else
  // "default". kPermissionDenied for another space than a scoped key's, or for a write with a
  // read-only key; kInvalidArgument for a malformed name.
  Result<SpaceRef> ResolveSpace(const Principal& principal, std::string_view requested,
                                Access access);

  // --- keyed memories (seed 004) ---
  // `text_field` names the text in errors (the capsule dialect calls it "value").
  Result<PutOutcome> Put(const SpaceRef& space, MemoryInput input,
                         std::string_view text_field = "value");
  Result<Memory> Get(const SpaceRef& space, std::string_view key);
  Result<bool> Exists(const SpaceRef& space, std::string_view key);
  // kNotFound when no live memory has the key.
  Status Delete(const SpaceRef& space, std::string_view key);
  // page is 1-based; kInvalidArgument outside the documented ranges.
  Result<KeyPage> ListKeys(const SpaceRef& space, int64_t page, int64_t page_size);
  Result<std::vector<Memory>> FindSubstring(const SpaceRef& space, std::string_view needle,
                                            int64_t limit);
  Result<std::vector<std::string>> AllKeys(const SpaceRef& space);
  Result<int64_t> Count(const SpaceRef& space);
  Result<int64_t> Clear(const SpaceRef& space);
  Result<std::vector<BulkPutItemOutcome>> BulkPut(const SpaceRef& space,
                                                  std::vector<BulkItem> items);
  Result<std::vector<std::optional<Memory>>> BulkGet(const SpaceRef& space,
                                                     const std::vector<std::string>& keys);
  Result<std::vector<bool>> BulkDelete(const SpaceRef& space, const std::vector<std::string>& keys);

  // --- tags ---
  Result<std::vector<std::string>> ListTags(const SpaceRef& space);
  // true when created, false when it already existed; kLimitExceeded over the tag limit.
  Result<bool> CreateTag(const SpaceRef& space, std::string_view name);
  // kNotFound when the tag does not exist.
  Status DeleteTag(const SpaceRef& space, std::string_view name);
  Result<std::vector<std::string>> KeysWithTags(const SpaceRef& space,
                                                std::vector<std::string> tags);
  // The memories carrying every tag in `tags`, newest first, at most `limit`
  // (1..200). kInvalidArgument for no tags or a limit out of range.
  Result<std::vector<Memory>> WithAllTags(const SpaceRef& space, std::vector<std::string> tags,
                                          int64_t limit);

  // --- semantic memories (seed 000) ---
  // Stores a memory (replacing the one with the same key, if keyed). With `dedupe`, a memory of
  // the space that scores >= 0.95 against the new text is returned instead and nothing changes.
  Result<AddResult> Add(const SpaceRef& space, MemoryInput input, bool dedupe);
  // Hybrid (keyword + vector) search, best first. An unknown space gives an empty list. A result
  // that would read as score 0, or scores below query.min_score, is left out. kInvalidArgument
  // for an empty query, top_k outside 1..100 or min_score outside 0..1.
  Result<SearchAnswer> Search(const SpaceRef& space, const SearchQuery& query);
  // Newest first; `cursor` is empty or a next_cursor from an earlier page. limit 1..200.
  Result<RecentPage> Recent(const SpaceRef& space, int64_t limit, std::string_view cursor);
  // By id, in any space the principal may read (kNotFound otherwise: ids of other spaces are
  // not revealed to a scoped key).
  Result<Memory> GetById(const Principal& principal, std::string_view id);
  // kPermissionDenied for a read-only key.
  Result<Memory> UpdateById(const Principal& principal, std::string_view id, MemoryPatch patch);
  Status DeleteById(const Principal& principal, std::string_view id);
  // The spaces the principal may see (a scoped key: its own, if it exists), with counts.
  Result<std::vector<SpaceInfo>> ListSpaces(const Principal& principal);
  // Deletes a space and everything in it; returns how many memories it held. kNotFound when the
  // space does not exist.
  Result<int64_t> DeleteSpace(const SpaceRef& space);

  // The embedder's health; nullopt without search. Never touches the store.
  std::optional<EmbedderHealth> GetEmbedderHealth() const;

  // --- spaces and upkeep ---
  // Records that a request used the space (shown as lastUsed). Call after the request is done.
  void NoteUse(const SpaceRef& space);
  Result<SpaceSummary> Summary(const SpaceRef& space);
  // Removes expired memories from the store; returns how many.
  Result<int64_t> PurgeExpired();

 private:
  Result<MemoryWrite> Prepare(MemoryInput input, int64_t now,
                              std::string_view text_field = "value") const;
  // Embeds the writes' text (key, title, text) in one batch when the embedder runs in-process;
  // otherwise (and on failure) the writes keep no embedding and the background embedding fills
  // them in.
  void Embed(std::vector<MemoryWrite*> writes) const;
  // Brings the search indexes up to date after a write (a no-op without search).
  void AfterWrite() const;
  Result<SearchAnswer> SearchIn(const SpaceRef& space, const SearchQuery& query, int64_t now);
  static std::shared_ptr<const Explanation> Explain(const SearchEngine& engine,
                                                    const MatchExplainer& explainer,
                                                    const EngineHit& hit, const Memory& memory);
  // Words-only search over the store while the indexes load.
  Result<SearchAnswer> SearchWhileLoading(const SpaceRef& space, const SearchQuery& query,
                                          int64_t now);
  // A memory of `space` whose text is the same as `write`'s once case and spacing are folded,
  // found by words alone (so dedupe works while the embedder is down).
  std::optional<Memory> ExactCopy(const std::vector<SearchResult>& candidates,
                                  const MemoryWrite& write) const;
  Status ValidateFilter(SearchFilter& filter) const;
  Result<Memory> FindVisible(const Principal& principal, std::string_view id, int64_t now);
  Status ValidateKeys(const std::vector<std::string>& keys) const;
  WriteLimits Limits() const;
  std::optional<int64_t> LastUse(const SpaceRef& space);
  // The key of a space in the last-use tables.
  static std::string UseKey(const SpaceRef& space);

  Store& store_;
  std::atomic<SearchEngine*> engine_{nullptr};
  mutable std::mutex engine_mu_;
  mutable std::condition_variable engine_cv_;  // signalled by SetEngine
  std::shared_ptr<const text::TextAnalyzer> loading_analyzer_;
  std::string loading_problem_;  // guarded by engine_mu_
  EmbedderGuard* embedder_ = nullptr;
  std::function<void()> on_write_;
  const Clock& clock_;
  const ServiceOptions options_;
  RateLimiter limiter_;
  std::vector<std::pair<std::string, Principal>> static_keys_;  // (hash, principal)
  KeyCache store_keys_;  // keys the store has confirmed lately, so each is looked up rarely
  KeyUseLog key_uses_;
  std::mutex use_mu_;
  std::unordered_map<std::string, int64_t> last_use_;       // spaces that exist
  std::unordered_map<std::string, int64_t> unwritten_use_;  // names never written, bounded
};

}  // namespace memoryd
