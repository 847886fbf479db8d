#include "search/search_engine.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "search/index_state.h"
#include "search/parallel_text_indexer.h"

namespace memoryd {
namespace {

// Joins a thread when the scope ends, also by an exception.
struct JoinOnExit {
  std::thread& thread;
  ~JoinOnExit() {
    if (thread.joinable()) thread.join();
  }
};

// Changes applied per batch; a catch-up checks for shutdown, and lets a waiting search in,
// between batches.
constexpr int64_t kFeedWindow = 64;

}  // namespace

SearchEngine::SearchEngine(Store& store, const Embedder& embedder,
                           std::shared_ptr<const text::TextAnalyzer> analyzer,
                           SearchEngineOptions options)
    : store_(store),
      embedder_(embedder),
      embedder_name_(embedder.Name()),
      analyzer_(std::move(analyzer)),
      options_(std::move(options)) {}

Result<std::unique_ptr<SearchEngine>> SearchEngine::Open(
    Store& store, const Embedder& embedder, std::shared_ptr<const text::TextAnalyzer> analyzer,
    SearchEngineOptions options) {
  if (!options.index_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.index_dir, ec);
    if (ec) return Status::Internal("cannot create " + options.index_dir + ": " + ec.message());
  }
  std::unique_ptr<SearchEngine> engine(
      new SearchEngine(store, embedder, std::move(analyzer), std::move(options)));
  std::lock_guard lock(engine->catch_up_mu_);
  MEMORYD_RETURN_IF_ERROR(engine->Rebuild());
  return engine;
}

std::string SearchEngine::IndexPath(int64_t space_id) const {
  return options_.index_dir + "/space-" + std::to_string(space_id) + ".hnsw";
}

std::string SearchEngine::TextPath(int64_t space_id) const {
  return options_.index_dir + "/space-" + std::to_string(space_id) + ".text";
}

std::string SearchEngine::StatePath() const { return options_.index_dir + "/state"; }

bool SearchEngine::VectorUsable(const IndexRecord& record) const {
  // An embedder that learns its dimension from its first answer reports 0 until then.
  const int dimension = embedder_.Dimension();
  return !record.embedding.empty() && record.embedder == embedder_name_ &&
         (dimension == 0 || static_cast<int>(record.embedding.size()) == dimension);
}

std::shared_ptr<SpaceIndex> SearchEngine::SpaceFor(int64_t space_id,
                                                   std::unique_ptr<VectorIndex> vectors) {
  std::unique_lock lock(spaces_mu_);
  auto& slot = spaces_[space_id];
  if (!slot) {
    slot =
        std::make_shared<SpaceIndex>(analyzer_, options_.bm25, options_.hnsw, std::move(vectors));
  }
  return slot;
}

std::shared_ptr<const SpaceIndex> SearchEngine::FindSpace(int64_t space_id) const {
  std::shared_lock lock(spaces_mu_);
  auto it = spaces_.find(space_id);
  return it == spaces_.end() ? nullptr : it->second;
}

// Finds the saved indexes that can be used (the state file names this embedder and the feed
// still holds every change since). When every one of them loads, the engine starts from them and
// applies the feed since the save. Otherwise it rebuilds the keyword indexes from one scan of the
// store, keeping the saved vector indexes if they load; if one does not, it rebuilds every vector
// index from the stored embeddings.
Status SearchEngine::Rebuild() {
  IndexState saved;
  if (!options_.index_dir.empty()) {
    auto state = ReadIndexState(StatePath());
    if (state.ok() && state->embedder == embedder_name_) saved = std::move(state).value();
  }
  if (saved.version > 0) {
    MEMORYD_ASSIGN_OR_RETURN(auto probe, store_.ChangesSince(saved.version, 1));
    if (!probe.complete) saved = IndexState();
  }
  if (saved.version > 0) {
    MEMORYD_ASSIGN_OR_RETURN(const bool resumed, ResumeFrom(saved));
    if (resumed) return Status::Ok();
  }
  MEMORYD_ASSIGN_OR_RETURN(const bool loaded, RebuildFrom(saved));
  if (loaded) return Status::Ok();
  return RebuildFrom(IndexState()).status();
}

// Loads the saved vector indexes of `ids`; false when one cannot be loaded.
bool SearchEngine::LoadVectors(
    const std::vector<int64_t>& ids,
    std::unordered_map<int64_t, std::unique_ptr<VectorIndex>>* out) const {
  for (int64_t id : ids) {
    // (a dimension of 0 accepts the saved one: the embedder has not answered yet)
    auto index = LoadVectorIndex(IndexPath(id), embedder_name_, embedder_.Dimension());
    if (!index.ok()) return false;
    // The search breadth is a setting of this run, not of the run that saved the graph.
    if (auto* hnsw = dynamic_cast<HnswVectorIndex*>(index->get())) {
      hnsw->SetEfSearch(options_.hnsw.ef_search);
    }
    (*out)[id] = std::move(index).value();
  }
  return true;
}

// Starts from the saved indexes of `saved`: keyword halves loaded here, vector indexes on a second
// thread, then the feed since the save is applied. Returns false (and leaves the spaces as they
// were) when a saved index cannot be used or the feed since the save is no longer complete.
Result<bool> SearchEngine::ResumeFrom(const IndexState& saved) {
  const std::unordered_set<int64_t> texts(saved.texts.begin(), saved.texts.end());
  for (int64_t id : saved.spaces) {
    if (!texts.contains(id)) return false;  // a vector index without its keyword half
  }
  std::unordered_map<int64_t, std::unique_ptr<VectorIndex>> vectors;
  bool vectors_ok = true;
  std::thread loader([&] { vectors_ok = LoadVectors(saved.spaces, &vectors); });
  JoinOnExit join_loader{loader};
  std::unordered_map<int64_t, std::shared_ptr<SpaceIndex>> spaces;
  bool texts_ok = true;
  for (int64_t id : saved.texts) {
    auto space = SpaceIndex::Load(TextPath(id), analyzer_, options_.bm25, options_.hnsw, nullptr);
    if (!space.ok()) {
      texts_ok = false;
      break;
    }
    spaces[id] = std::move(space).value();
  }
  loader.join();
  if (!texts_ok || !vectors_ok) return false;
  for (auto& [id, index] : vectors) spaces[id]->AttachVectors(std::move(index));
  {
    std::unique_lock lock(spaces_mu_);
    spaces_ = std::move(spaces);
    applied_version_ = saved.version;
    resumed_ = true;
  }
  last_saved_ = saved;  // the files on disk are exactly what was just loaded
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(applied_version_, kFeedWindow));
    if (!changes.complete) return false;
    if (changes.version <= applied_version_) return true;
    MEMORYD_RETURN_IF_ERROR(ApplyChanges(changes, /*yield=*/false).status());
    std::unique_lock lock(spaces_mu_);
    applied_version_ = changes.version;
  }
}

// The vector half of an index record, kept for after the saved indexes are loaded.
struct SearchEngine::DeferredVector {
  int64_t seq;
  int64_t space_id;
  bool usable;
  std::vector<float> embedding;
};

// Loads the vector indexes of `saved` on one thread while this one scans the store: keyword
// documents (analysed on every core by a ParallelTextIndexer) and expiry times for every memory,
// vectors for memories written after the save (applied once the loaded indexes are in place),
// then the removals since the save. Without a save, vectors are added during the scan, in scan
// order, so the graphs are reproducible. Returns false when a saved index could not be loaded.
Result<bool> SearchEngine::RebuildFrom(const IndexState& saved) {
  {
    std::unique_lock lock(spaces_mu_);
    spaces_.clear();
    resumed_ = false;
  }
  const int64_t saved_version = saved.version;
  std::unordered_map<int64_t, std::unique_ptr<VectorIndex>> loaded;
  bool load_failed = false;
  std::thread loader;
  if (saved_version > 0 && !saved.spaces.empty()) {
    // One bad file: rebuild every vector index.
    loader = std::thread([&] { load_failed = !LoadVectors(saved.spaces, &loaded); });
  }
  JoinOnExit join_loader{loader};
  const bool defer_vectors = loader.joinable();
  std::vector<DeferredVector> deferred;
  std::unordered_set<int64_t> live;
  ParallelTextIndexer text_indexer(std::max(1u, std::thread::hardware_concurrency()));
  int64_t last_space_id = -1;
  SpaceIndex* space = nullptr;
  MEMORYD_ASSIGN_OR_RETURN(
      const int64_t snapshot, store_.ScanIndex(saved_version, [&](IndexRecord&& record) -> Status {
        live.insert(record.seq);
        if (record.space_id != last_space_id) {
          space = SpaceFor(record.space_id, nullptr).get();  // kept alive by spaces_
          last_space_id = record.space_id;
        }
        if (record.version > saved_version) {
          const bool usable = VectorUsable(record);
          if (defer_vectors) {
            deferred.push_back({record.seq, record.space_id, usable, std::move(record.embedding)});
          } else {
            using Action = SpaceIndex::VectorAction;
            MEMORYD_RETURN_IF_ERROR(
                space->UpsertVector(record, usable ? Action::kSet : Action::kDrop));
          }
        }
        record.embedding = {};
        return text_indexer.Add(space, std::move(record));
      }));
  MEMORYD_RETURN_IF_ERROR(text_indexer.Finish());
  if (loader.joinable()) loader.join();
  if (load_failed) return false;
  MEMORYD_RETURN_IF_ERROR(ApplyDeferred(std::move(loaded), deferred));
  // Memories deleted after the save may still sit in the loaded vector indexes.
  for (int64_t from = saved_version; saved_version > 0 && from < snapshot;) {
    MEMORYD_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(from, kFeedWindow));
    for (const auto& removal : changes.removals) {
      if (removal.version <= snapshot && !live.contains(removal.seq)) ApplyRemoval(removal);
    }
    if (changes.version <= from) break;
    from = changes.version;
  }
  std::unique_lock lock(spaces_mu_);
  applied_version_ = snapshot;
  return true;
}

// Puts the loaded vector indexes into the spaces the scan found (a space with no memory left
// drops its index), then applies the vectors written after the save, in scan order.
Status SearchEngine::ApplyDeferred(std::unordered_map<int64_t, std::unique_ptr<VectorIndex>> loaded,
                                   const std::vector<DeferredVector>& deferred) {
  {
    std::shared_lock lock(spaces_mu_);
    for (auto& [id, index] : loaded) {
      if (auto it = spaces_.find(id); it != spaces_.end()) {
        it->second->AttachVectors(std::move(index));
      }
    }
  }
  using Action = SpaceIndex::VectorAction;
  for (const DeferredVector& d : deferred) {
    IndexRecord record;
    record.seq = d.seq;
    record.embedding = d.embedding;
    MEMORYD_RETURN_IF_ERROR(SpaceFor(d.space_id, nullptr)
                                ->UpsertVector(record, d.usable ? Action::kSet : Action::kDrop));
  }
  return Status::Ok();
}

Status SearchEngine::ApplyUpsert(const IndexRecord& record) {
  using Action = SpaceIndex::VectorAction;
  return SpaceFor(record.space_id, nullptr)
      ->Upsert(record, VectorUsable(record) ? Action::kSet : Action::kDrop);
}

void SearchEngine::ApplyRemoval(const IndexRemoval& removal) {
  std::shared_ptr<SpaceIndex> space;
  {
    std::shared_lock lock(spaces_mu_);
    auto it = spaces_.find(removal.space_id);
    if (it == spaces_.end()) return;
    space = it->second;
  }
  space->Remove(static_cast<uint64_t>(removal.seq));
}

// Applies upserts and removals in version order (a sequence number deleted and then reused must
// end up indexed). With `yield`, stops early, between two changes, once a search waits to catch
// up. Returns the version applied up to: changes.version when all were applied.
Result<int64_t> SearchEngine::ApplyChanges(const IndexChanges& changes, bool yield) {
  size_t u = 0;
  size_t r = 0;
  while (u < changes.upserts.size() || r < changes.removals.size()) {
    if (yield && searchers_waiting_.load() > 0) {
      const int64_t next =
          u < changes.upserts.size() ? changes.upserts[u].version : changes.removals[r].version;
      const int64_t next_removal = r < changes.removals.size() ? changes.removals[r].version : next;
      return std::min(next, next_removal) - 1;  // everything before the next change is applied
    }
    const bool take_upsert =
        r == changes.removals.size() ||
        (u < changes.upserts.size() && changes.upserts[u].version < changes.removals[r].version);
    if (take_upsert) {
      MEMORYD_RETURN_IF_ERROR(ApplyUpsert(changes.upserts[u++]));
    } else {
      ApplyRemoval(changes.removals[r++]);
    }
  }
  return changes.version;
}

void SearchEngine::NoteWrite() {
  ++writes_noted_;
  WakeFollower();
}

void SearchEngine::WakeFollower() {
  { std::lock_guard lock(wake_mu_); }
  wake_cv_.notify_one();
}

Status SearchEngine::CatchUpIfWritten() {
  // A catch-up in progress may have started before the write: CatchUp() waits for it (the
  // follower stops at the next change when it sees a search waiting), then applies whatever is
  // left at this thread's priority.
  if (writes_covered_.load() >= writes_noted_.load()) return Status::Ok();
  struct Waiting {
    std::atomic<int>& count;
    explicit Waiting(std::atomic<int>& c) : count(c) { ++count; }
    ~Waiting() { --count; }  // also when CatchUp throws (std::bad_alloc)
  } waiting(searchers_waiting_);
  return CatchUp();
}

void SearchEngine::RunFollower(std::chrono::milliseconds interval, const std::atomic<bool>& stop,
                               const std::function<void(const Status&)>& on_error) {
  // After a failure the follower backs off (50 ms doubling to 5 s) instead of retrying at once
  // for every pending write: a failure that persists costs a few calls a second, not a spin.
  constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
  constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
  std::chrono::milliseconds backoff{0};
  while (!stop.load()) {
    if (Status s = CatchUp(/*yield=*/true); !s.ok()) {
      on_error(s);
      backoff = std::min(std::max(backoff * 2, kFirstBackoff), kMaxBackoff);
    } else {
      backoff = std::chrono::milliseconds(0);
    }
    std::unique_lock lock(wake_mu_);
    if (backoff.count() > 0) {
      wake_cv_.wait_for(lock, backoff, [&] { return stop.load(); });
    } else {
      wake_cv_.wait_for(lock, interval, [&] {
        return stop.load() || writes_covered_.load() < writes_noted_.load();
      });
    }
  }
}

// The lock is taken per window, not for the whole catch-up: the follower runs at a low priority,
// and a search waiting to catch up must not wait behind its entire backlog, only behind the
// window in progress; it then applies the rest itself.
Status SearchEngine::CatchUp(bool yield) {
  // Every write noted before this point committed before it, so the feed reads below hold it.
  const uint64_t noted = writes_noted_.load();
  for (;;) {
    if (yield) WaitForSearchers();
    std::lock_guard lock(catch_up_mu_);
    if (abandoned_.load()) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(applied_version_, kFeedWindow));
    if (!changes.complete) {
      MEMORYD_RETURN_IF_ERROR(Rebuild());
      writes_covered_ = std::max(writes_covered_.load(), noted);
      return Status::Ok();
    }
    if (changes.version <= applied_version_) {
      writes_covered_ = std::max(writes_covered_.load(), noted);
      return Status::Ok();
    }
    MEMORYD_ASSIGN_OR_RETURN(const int64_t applied, ApplyChanges(changes, yield));
    std::unique_lock spaces_lock(spaces_mu_);
    applied_version_ = std::max(applied_version_, applied);
  }
}

// A search that waits to catch up goes first: it applies the backlog at its own priority.
void SearchEngine::WaitForSearchers() const {
  while (searchers_waiting_.load() > 0 && !abandoned_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::vector<EngineHit> SearchEngine::Search(int64_t space_id, std::string_view query,
                                            const Vector& query_vector, size_t k,
                                            const std::unordered_set<uint64_t>* allowed,
                                            int64_t now) const {
  std::vector<EngineHit> out;
  auto space = FindSpace(space_id);
  if (!space || k == 0) return out;
  SpaceSearch request;
  request.query = query;
  request.query_vector = &query_vector;
  request.k = k;
  request.candidates = std::max(k, options_.candidates);
  request.vector_candidates = std::max(k, options_.vector_candidates);
  request.allowed = allowed;
  request.now = now;
  request.fusion = options_.fusion;
  request.runner = &side_runner_;
  for (const ScoredHit& hit : space->Search(request)) {
    out.push_back(
        {static_cast<int64_t>(hit.label), hit.score, hit.keyword, hit.vector, hit.cosine_floor});
  }
  return out;
}

Status SearchEngine::Save() {
  if (options_.index_dir.empty()) return Status::Ok();
  std::lock_guard lock(catch_up_mu_);
  MEMORYD_ASSIGN_OR_RETURN(auto dir_lock, IndexDirLock::Acquire(options_.index_dir + "/lock"));
  // Files of unchanged spaces may be skipped only if nobody else saved since this process did:
  // another process's save may have replaced them with its own (older or newer) view.
  auto on_disk = ReadIndexState(StatePath());
  const bool ours = on_disk.ok() && *on_disk == last_saved_;
  IndexState state;
  state.version = applied_version_;
  state.embedder = embedder_name_;
  std::vector<std::pair<int64_t, std::shared_ptr<SpaceIndex>>> spaces;
  {
    std::shared_lock spaces_lock(spaces_mu_);
    spaces.assign(spaces_.begin(), spaces_.end());
  }
  for (auto& [id, space] : spaces) {
    if (space->text_dirty() || !ours) {
      MEMORYD_RETURN_IF_ERROR(space->SaveText(TextPath(id)));
      space->MarkTextClean();
    }
    state.texts.push_back(id);
    const VectorIndex* vectors = space->vectors();
    if (vectors == nullptr) continue;
    if (space->vectors_dirty() || !ours) {
      MEMORYD_RETURN_IF_ERROR(vectors->Save(IndexPath(id), embedder_name_));
      space->MarkVectorsClean();
    }
    state.spaces.push_back(id);
  }
  std::sort(state.spaces.begin(), state.spaces.end());
  std::sort(state.texts.begin(), state.texts.end());
  MEMORYD_RETURN_IF_ERROR(WriteIndexState(StatePath(), state));
  last_saved_ = std::move(state);
  return Status::Ok();
}

EngineStats SearchEngine::Stats() const {
  std::shared_lock lock(spaces_mu_);
  EngineStats stats;
  stats.applied_version = applied_version_;
  stats.resumed = resumed_;
  stats.spaces = spaces_.size();
  for (const auto& [id, space] : spaces_) {
    stats.documents += space->Size();
    if (const VectorIndex* v = space->vectors()) stats.vectors += v->Size();
  }
  return stats;
}

}  // namespace memoryd
