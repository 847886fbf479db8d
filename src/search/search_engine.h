// SearchEngine: the per-space search indexes of every space, kept in step with the store.
//
// The indexes follow the store's index feed (store.h): every write or deletion of a memory, by
// this process or another one on the same data directory, carries a version, and CatchUp()
// applies everything after the last version applied. Writers of this process only note their
// write (NoteWrite); a follower thread applies it at once, off the write's path, and a search of
// this process catches up first when a write is pending, so a search right after a write sees
// it. The follower also polls, to pick up other processes' writes.
//
// Persistence: each space's vector index and keyword index (with its expiry times) are saved in
// `index_dir` with the feed version they reflect; at Open() they are loaded and brought up to
// date from the feed, so a restart neither re-analyses text nor rebuilds graphs. A missing,
// corrupt or outdated file, or a feed whose history was pruned, means a rebuild: keyword indexes
// from the stored text, vector indexes from the embeddings stored with the memories (no
// re-embedding).
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "embed/embedder.h"
#include "search/index_state.h"
#include "search/side_runner.h"
#include "search/space_index.h"
#include "store/store.h"

namespace memoryd {

struct SearchEngineOptions {
  std::string index_dir;  // where indexes are saved; empty: never saved
  Bm25Options bm25;
  HnswOptions hnsw;
  FusionOptions fusion = BuiltinEmbedderFusion();
  size_t candidates = 100;        // hits taken from the keyword index before fusion
  size_t vector_candidates = 40;  // ...and from the vector index (which walks ef_search nodes)
};

struct EngineHit {
  int64_t seq = 0;
  float score = 0;         // fused, in [0, 1]
  float keyword = 0;       // calibrated keyword part
  float vector = 0;        // calibrated vector part (0 when not among the vector candidates)
  float cosine_floor = 0;  // the cosine that counted as unrelated for this search
};

struct EngineStats {
  int64_t applied_version = 0;
  size_t spaces = 0;
  size_t documents = 0;
  size_t vectors = 0;
  bool resumed = false;  // the last (re)start used the saved indexes, not a rebuild
};

class SearchEngine {
 public:
  // Loads saved indexes and catches up with the store. kInternal when the store fails.
  static Result<std::unique_ptr<SearchEngine>> Open(Store& store, const Embedder& embedder,
                                                    std::shared_ptr<const text::TextAnalyzer>,
                                                    SearchEngineOptions options);

  // Applies every store change not applied yet. With `yield` (the follower), steps aside, between
  // two changes, whenever a search is waiting to catch up (CatchUpIfWritten): the search then
  // waits only for the change in progress, not for a low-priority thread's whole backlog.
  Status CatchUp(bool yield = false);

  // Writers of this process call this after their commit instead of CatchUp(), so a write never
  // waits for index maintenance: it wakes the follower thread (RunFollower) and makes the next
  // search of this process catch up first (CatchUpIfWritten), so it still sees the write.
  void NoteWrite();
  // CatchUp() if NoteWrite() was called since the last catch-up; otherwise nothing.
  Status CatchUpIfWritten();
  // Follows the store until `stop` becomes true: catches up at once after NoteWrite() and at
  // least every `interval` (for other processes' writes). Runs on the caller's thread.
  void RunFollower(std::chrono::milliseconds interval, const std::atomic<bool>& stop,
                   const std::function<void(const Status&)>& on_error);
  // Wakes RunFollower (e.g. to see `stop`).
  void WakeFollower();
  // From now on, a catch-up stops after its current batch (for a prompt shutdown; Save() still
  // records exactly what was applied).
  void Abandon() { abandoned_ = true; }

  // The analyzer every keyword index uses, and the fusion settings (explain.h reads both).
  const text::TextAnalyzer& analyzer() const { return *analyzer_; }
  const FusionOptions& fusion() const { return options_.fusion; }

  // Best first, at most `k`. `allowed` (may be null) restricts the labels; expired memories are
  // never returned. An unknown space gives an empty list.
  std::vector<EngineHit> Search(int64_t space_id, std::string_view query,
                                const Vector& query_vector, size_t k,
                                const std::unordered_set<uint64_t>* allowed, int64_t now) const;

  // Saves the indexes that changed, and the version they reflect. Processes sharing the index
  // directory (`serve` and `mcp` on one data directory) save one at a time (an exclusive lock on
  // `index_dir`/lock); when another process saved since this one last did, every index is
  // rewritten, so the files a state file lists are never older than the version it names.
  Status Save();

  EngineStats Stats() const;

 private:
  SearchEngine(Store& store, const Embedder& embedder,
               std::shared_ptr<const text::TextAnalyzer> analyzer, SearchEngineOptions options);

  struct DeferredVector;
  Status Rebuild();
  bool LoadVectors(const std::vector<int64_t>& ids,
                   std::unordered_map<int64_t, std::unique_ptr<VectorIndex>>* out) const;
  Result<bool> ResumeFrom(const IndexState& saved);
  Result<bool> RebuildFrom(const IndexState& saved);
  Status ApplyDeferred(std::unordered_map<int64_t, std::unique_ptr<VectorIndex>> loaded,
                       const std::vector<DeferredVector>& deferred);
  Result<int64_t> ApplyChanges(const IndexChanges& changes, bool yield);
  void WaitForSearchers() const;
  Status ApplyUpsert(const IndexRecord& record);
  void ApplyRemoval(const IndexRemoval& removal);
  // REQUIRES: catch_up_mu_ held.
  std::shared_ptr<SpaceIndex> SpaceFor(int64_t space_id, std::unique_ptr<VectorIndex> vectors);
  std::shared_ptr<const SpaceIndex> FindSpace(int64_t space_id) const;
  bool VectorUsable(const IndexRecord& record) const;
  std::string IndexPath(int64_t space_id) const;
  std::string TextPath(int64_t space_id) const;
  std::string StatePath() const;

  Store& store_;
  const Embedder& embedder_;
  const std::string embedder_name_;
  const std::shared_ptr<const text::TextAnalyzer> analyzer_;
  const SearchEngineOptions options_;

  // NoteWrite() calls, and how many of them the last finished catch-up covered.
  std::atomic<uint64_t> writes_noted_{0};
  std::atomic<uint64_t> writes_covered_{0};
  std::atomic<bool> abandoned_{false};
  std::atomic<int> searchers_waiting_{0};  // searches inside CatchUpIfWritten
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::mutex catch_up_mu_;       // one thread applies the feed at a time; also held by Save
  int64_t applied_version_ = 0;  // guarded by catch_up_mu_; read by Stats under spaces_mu_
  bool resumed_ = false;         // as applied_version_
  IndexState last_saved_;        // what this process last wrote (or resumed from); catch_up_mu_
  mutable std::shared_mutex spaces_mu_;
  std::unordered_map<int64_t, std::shared_ptr<SpaceIndex>> spaces_;
  // Runs each search's vector half beside its keyword half.
  mutable SideRunner side_runner_{1};
};

}  // namespace memoryd
