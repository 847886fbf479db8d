// SearchEngine: the per-space search indexes of every space, kept in step with the store.
//
// The indexes follow the store's index feed (store.h): every write or deletion of a memory, by
// this process or another one on the same data directory, carries a version. Two cursors follow
// it, so a search never waits for the slow half:
//   - the keyword halves (BM25, expiry times) and each space's table of recent vectors
//     (recent_vectors.h) follow at the speed of text analysis: CatchUpText(). Writers of this
//     process only note their write (NoteWrite); a follower thread applies it at once, off the
//     write's path, and a search of this process catches up first when a write is pending, so a
//     search right after a write finds it, by words and (through the recent table) by meaning;
//   - the vector graphs (HNSW) follow behind, at the speed of graph construction: BuildVectors()
//     applies one window of the feed, inserting on every core (RunVectorBuilder). A search takes
//     the graph as it is and scans the recent vectors the graph does not hold yet exactly.
// The follower also polls, to pick up other processes' writes.
//
// Persistence: each space's vector index and keyword index (with its expiry times) are saved in
// `index_dir` with the feed versions they reflect; at Open() they are loaded and brought up to
// date from the feed (the graphs there only when at most 20,000 changes behind; otherwise they
// catch up behind, in RunVectorBuilder), so a restart neither re-analyses text nor rebuilds
// graphs. A missing, corrupt or outdated file, or a
// feed whose history was pruned, means a rebuild: keyword indexes from the stored text at Open(),
// vector graphs from the embeddings stored with the memories (no re-embedding), by the builder.
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
#include <utility>
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
  int64_t applied_version = 0;  // by the keyword indexes
  int64_t graph_version = 0;    // by the vector graphs
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

  // Applies every store change not applied yet to both halves (for tests and tools; the server
  // runs the follower and the builder instead).
  Status CatchUp();
  // How much of a backlog one catch-up applies: at least `at_least` changes, then as many as fit
  // before `deadline`.
  struct Budget {
    std::chrono::steady_clock::time_point deadline;
    size_t at_least = 0;
    size_t applied = 0;  // changes applied so far
    bool Spent() const {
      return applied >= at_least && std::chrono::steady_clock::now() > deadline;
    }
  };
  // Applies every store change not applied yet to the keyword halves, or, given a `budget`, what
  // it allows. With `yield` (the follower), steps aside, between two changes, whenever a search
  // is waiting to catch up (CatchUpIfWritten): the search then waits only for the change in
  // progress, not for a low-priority thread's whole backlog.
  Status CatchUpText(bool yield = false, Budget* budget = nullptr);
  // Applies the next window of store changes to the vector graphs, inserting on every thread of
  // `run` (empty: this one). Returns whether there was anything to apply.
  Result<bool> BuildVectors(const ParallelRun& run = {});

  // Writers of this process call this after their commit instead of CatchUp(), so a write never
  // waits for index maintenance: it wakes the follower thread (RunFollower) and makes the next
  // search of this process catch up first (CatchUpIfWritten), so it still sees the write.
  void NoteWrite();
  // Another process committed a write (Store::WatchChanges): wakes the follower to catch up at
  // once, without making this process's searches wait for it (they answer from what is
  // indexed, as for any other process's write).
  void NoteForeignWrite();
  // CatchUpText() if NoteWrite() was called since the last catch-up: at least 32 changes (so a
  // search after a few writes always sees them, however busy the machine), then for at most 5 ms
  // (during a bulk load the search then answers from what the keyword halves hold, and the
  // follower applies the rest); otherwise nothing.
  Status CatchUpIfWritten();
  // Follows the store until `stop` becomes true: catches up at once after NoteWrite() or
  // NoteForeignWrite(), and at least every `interval` (for other processes' writes). Runs on the
  // caller's thread.
  void RunFollower(std::chrono::milliseconds interval, const std::atomic<bool>& stop,
                   const std::function<void(const Status&)>& on_error);
  // Brings the vector graphs up to the feed until `stop` becomes true, with `threads` threads
  // (this one and threads - 1 started here, which share its priority) inserting each batch;
  // woken by every catch-up of the keyword halves, and at least every `interval`.
  void RunVectorBuilder(size_t threads, std::chrono::milliseconds interval,
                        const std::atomic<bool>& stop,
                        const std::function<void(const Status&)>& on_error);
  // Wakes RunFollower and RunVectorBuilder (e.g. to see `stop`).
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

  using Spaces = std::unordered_map<int64_t, std::shared_ptr<SpaceIndex>>;
  using LoadedVectors = std::unordered_map<int64_t, std::unique_ptr<VectorIndex>>;

  // Opening (search_engine.cc). REQUIRE catch_up_mu_ and graph_mu_ held.
  Status Rebuild();
  bool LoadVectors(const std::vector<int64_t>& ids, LoadedVectors* out) const;
  Result<bool> ResumeFrom(const IndexState& saved);
  Status RebuildText(const IndexState& saved);
  Result<int64_t> ScanText(Spaces* spaces) const;
  void InstallGraphs(LoadedVectors loaded, int64_t graph_version);

  // Following (search_engine_follow.cc).
  Status CatchUpTextLocked(bool yield);  // REQUIRES: catch_up_mu_ held
  Result<int64_t> ApplyText(const IndexChanges& changes, bool yield, Budget* budget);
  Result<bool> ApplyToGraphs(const IndexChanges& changes, const ParallelRun& run);
  void WakeBuilder();
  void ResetGraphs();                            // REQUIRES: graph_mu_ held
  Status RebuildGraphs(const ParallelRun& run);  // REQUIRES: graph_mu_ held
  void WaitForSearchers() const;
  Status ReplaceTextIndexes();  // REQUIRES: catch_up_mu_ held

  std::shared_ptr<SpaceIndex> SpaceFor(int64_t space_id);
  std::shared_ptr<SpaceIndex> FindSpace(int64_t space_id) const;
  std::vector<std::shared_ptr<SpaceIndex>> AllSpaces() const;
  std::vector<std::pair<int64_t, std::shared_ptr<SpaceIndex>>> SpacesById() const;
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
  std::atomic<bool> foreign_write_{false};  // NoteForeignWrite() since the follower last looked
  std::atomic<bool> abandoned_{false};
  std::atomic<int> searchers_waiting_{0};  // searches inside CatchUpIfWritten
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;        // the follower: a write was noted
  std::condition_variable graph_wake_cv_;  // the builder: the keyword halves moved on
  uint64_t graph_work_ = 0;                // bumped with each wake of the builder; wake_mu_
  // Lock order: save_mu_, catch_up_mu_, graph_mu_, spaces_mu_.
  std::mutex catch_up_mu_;       // one thread applies the feed to the keyword halves; also Save
  int64_t applied_version_ = 0;  // guarded by catch_up_mu_; read by Stats under spaces_mu_
  bool resumed_ = false;         // as applied_version_
  std::mutex graph_mu_;          // one thread applies the feed to the graphs; also Save
  std::atomic<int64_t> graph_version_{0};  // written under graph_mu_
  std::mutex save_mu_;                     // one Save() at a time
  IndexState last_saved_;  // what this process last wrote (or resumed from); save_mu_
  mutable std::shared_mutex spaces_mu_;
  Spaces spaces_;
  // Runs each search's vector half beside its keyword half.
  mutable SideRunner side_runner_{1};
};

}  // namespace memoryd
