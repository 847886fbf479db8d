#include "search/search_engine.h"

#include <algorithm>
#include <filesystem>
#include <limits>
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

// Feed versions the graphs may be behind at Open() for it to bring them up to date itself.
constexpr int64_t kOpenGraphBacklog = 20000;

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
  {
    std::lock_guard lock(engine->catch_up_mu_);
    std::lock_guard graph_lock(engine->graph_mu_);
    MEMORYD_RETURN_IF_ERROR(engine->Rebuild());
  }
  // A small backlog of the graphs (the writes since the last save, or a small space rebuilt) is
  // applied now, on every core, so the first search has every vector; a large one is left to
  // the vector builder, and searches answer meanwhile (by words, and by meaning from the graph
  // as far as it got).
  MEMORYD_ASSIGN_OR_RETURN(const int64_t current, store.CurrentVersion());
  if (current - engine->graph_version_.load() <= kOpenGraphBacklog) {
    SideRunner helpers(std::max(1u, std::thread::hardware_concurrency()) - 1);
    const ParallelRun run = [&](const std::function<void()>& task) { helpers.RunEverywhere(task); };
    for (;;) {
      MEMORYD_ASSIGN_OR_RETURN(const bool more, engine->BuildVectors(run));
      if (!more) break;
    }
  }
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

std::shared_ptr<SpaceIndex> SearchEngine::SpaceFor(int64_t space_id) {
  std::unique_lock lock(spaces_mu_);
  auto& slot = spaces_[space_id];
  if (!slot) slot = std::make_shared<SpaceIndex>(analyzer_, options_.bm25, options_.hnsw, nullptr);
  return slot;
}

std::shared_ptr<SpaceIndex> SearchEngine::FindSpace(int64_t space_id) const {
  std::shared_lock lock(spaces_mu_);
  auto it = spaces_.find(space_id);
  return it == spaces_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<SpaceIndex>> SearchEngine::AllSpaces() const {
  std::shared_lock lock(spaces_mu_);
  std::vector<std::shared_ptr<SpaceIndex>> out;
  out.reserve(spaces_.size());
  for (const auto& [id, space] : spaces_) out.push_back(space);
  return out;
}

// Finds the saved indexes that can be used (the state file names this embedder and the feed
// still holds every change since). When every one of them loads, the engine starts from them and
// brings the keyword halves up to date from the feed. Otherwise it rebuilds the keyword indexes
// from one scan of the store, keeping the saved vector graphs if they load; if one does not, the
// graphs start empty and the vector builder rebuilds them from the stored embeddings.
Status SearchEngine::Rebuild() {
  IndexState saved;
  if (!options_.index_dir.empty()) {
    auto state = ReadIndexState(StatePath());
    if (state.ok() && state->embedder == embedder_name_) saved = std::move(state).value();
  }
  // Each half is usable only if the feed still holds every change since its version.
  const auto complete_since = [&](int64_t version) -> Result<bool> {
    MEMORYD_ASSIGN_OR_RETURN(auto probe, store_.ChangesSince(version, 1));
    return probe.complete;
  };
  if (saved.version > 0) {
    MEMORYD_ASSIGN_OR_RETURN(const bool texts_usable, complete_since(saved.version));
    MEMORYD_ASSIGN_OR_RETURN(const bool graphs_usable, complete_since(saved.graph_version));
    if (!texts_usable) saved = IndexState();
    if (!graphs_usable) {
      saved.spaces.clear();  // the graphs start empty: the builder rebuilds them
      saved.graph_version = 0;
    }
  }
  if (saved.version > 0) {
    MEMORYD_ASSIGN_OR_RETURN(const bool resumed, ResumeFrom(saved));
    if (resumed) return Status::Ok();
  }
  return RebuildText(saved);
}

// Loads the saved vector indexes of `ids`; false when one cannot be loaded.
bool SearchEngine::LoadVectors(const std::vector<int64_t>& ids, LoadedVectors* out) const {
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

// Puts `loaded` into the spaces (creating the spaces that have no keyword document left: the
// builder's replay of the feed then removes their vectors) as of `graph_version`.
void SearchEngine::InstallGraphs(LoadedVectors loaded, int64_t graph_version) {
  for (auto& [id, index] : loaded) SpaceFor(id)->AttachVectors(std::move(index));
  graph_version_ = graph_version;
}

// Starts from the saved indexes of `saved`: keyword halves loaded here, vector indexes on a second
// thread, then the keyword halves catch up with the feed (the graphs catch up behind, in the
// builder). Returns false (and leaves the spaces as they were) when a saved keyword index cannot
// be used; when only a graph cannot, every graph starts empty.
Result<bool> SearchEngine::ResumeFrom(const IndexState& saved) {
  LoadedVectors vectors;
  bool vectors_ok = true;
  std::thread loader([&] { vectors_ok = LoadVectors(saved.spaces, &vectors); });
  JoinOnExit join_loader{loader};
  Spaces spaces;
  for (int64_t id : saved.texts) {
    auto space = SpaceIndex::Load(TextPath(id), analyzer_, options_.bm25, options_.hnsw, nullptr);
    if (!space.ok()) return false;
    spaces[id] = std::move(space).value();
  }
  loader.join();
  {
    std::unique_lock lock(spaces_mu_);
    spaces_ = std::move(spaces);
    applied_version_ = saved.version;
    resumed_ = true;
  }
  if (vectors_ok) {
    InstallGraphs(std::move(vectors), saved.graph_version);
  } else {
    InstallGraphs({}, 0);
  }
  last_saved_ = saved;  // the files on disk are exactly what was just loaded
  MEMORYD_RETURN_IF_ERROR(CatchUpTextLocked(/*yield=*/false));
  return true;
}

// Scans the store into new keyword halves (text analysed on every core by a ParallelTextIndexer).
// Returns the snapshot's version.
Result<int64_t> SearchEngine::ScanText(Spaces* spaces) const {
  ParallelTextIndexer text_indexer(std::max(1u, std::thread::hardware_concurrency()));
  int64_t last_space_id = -1;
  SpaceIndex* space = nullptr;
  constexpr int64_t kNoEmbeddings = std::numeric_limits<int64_t>::max();
  MEMORYD_ASSIGN_OR_RETURN(
      const int64_t snapshot, store_.ScanIndex(kNoEmbeddings, [&](IndexRecord&& record) -> Status {
        if (record.space_id != last_space_id) {
          auto& slot = (*spaces)[record.space_id];
          if (!slot) {
            slot = std::make_shared<SpaceIndex>(analyzer_, options_.bm25, options_.hnsw, nullptr);
          }
          space = slot.get();
          last_space_id = record.space_id;
        }
        return text_indexer.Add(space, std::move(record));
      }));
  MEMORYD_RETURN_IF_ERROR(text_indexer.Finish());
  return snapshot;
}

// Rebuilds the keyword halves from one scan of the store while the vector indexes of `saved` load
// on a second thread; graphs that do not all load start empty (the builder rebuilds them).
Status SearchEngine::RebuildText(const IndexState& saved) {
  LoadedVectors loaded;
  bool loaded_ok = false;
  std::thread loader;
  if (saved.version > 0) {
    loader = std::thread([&] { loaded_ok = LoadVectors(saved.spaces, &loaded); });
  }
  JoinOnExit join_loader{loader};
  Spaces spaces;
  MEMORYD_ASSIGN_OR_RETURN(const int64_t snapshot, ScanText(&spaces));
  if (loader.joinable()) loader.join();
  {
    std::unique_lock lock(spaces_mu_);
    spaces_ = std::move(spaces);
    applied_version_ = snapshot;
    resumed_ = false;
  }
  if (loaded_ok) {
    InstallGraphs(std::move(loaded), saved.graph_version);
  } else {
    InstallGraphs({}, 0);
  }
  return Status::Ok();
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
  request.graph_version = graph_version_.load();
  {
    std::shared_lock lock(spaces_mu_);
    request.graph_behind = request.graph_version < applied_version_;
  }
  for (const ScoredHit& hit : space->Search(request)) {
    out.push_back(
        {static_cast<int64_t>(hit.label), hit.score, hit.keyword, hit.vector, hit.cosine_floor});
  }
  return out;
}

// The graphs are saved under graph_mu_ and the keyword halves under catch_up_mu_, one after the
// other, never both at once: the follower (and the searches helping it) never waits for the
// builder's window in progress. Each half's files reflect exactly the version recorded for it.
Status SearchEngine::Save() {
  if (options_.index_dir.empty()) return Status::Ok();
  std::lock_guard save_lock(save_mu_);
  MEMORYD_ASSIGN_OR_RETURN(auto dir_lock, IndexDirLock::Acquire(options_.index_dir + "/lock"));
  // Files of unchanged spaces may be skipped only if nobody else saved since this process did:
  // another process's save may have replaced them with its own (older or newer) view.
  auto on_disk = ReadIndexState(StatePath());
  const bool ours = on_disk.ok() && *on_disk == last_saved_;
  IndexState state;
  state.embedder = embedder_name_;
  {
    std::lock_guard graph_lock(graph_mu_);
    state.graph_version = graph_version_.load();
    for (const auto& [id, space] : SpacesById()) {
      const VectorIndex* vectors = space->vectors();
      if (vectors == nullptr) continue;
      if (space->vectors_dirty() || !ours) {
        MEMORYD_RETURN_IF_ERROR(vectors->Save(IndexPath(id), embedder_name_));
        space->MarkVectorsClean();
      }
      state.spaces.push_back(id);
    }
  }
  {
    std::lock_guard lock(catch_up_mu_);
    state.version = applied_version_;
    for (const auto& [id, space] : SpacesById()) {
      if (space->text_dirty() || !ours) {
        MEMORYD_RETURN_IF_ERROR(space->SaveText(TextPath(id)));
        space->MarkTextClean();
      }
      state.texts.push_back(id);
    }
  }
  std::sort(state.spaces.begin(), state.spaces.end());
  std::sort(state.texts.begin(), state.texts.end());
  MEMORYD_RETURN_IF_ERROR(WriteIndexState(StatePath(), state));
  last_saved_ = std::move(state);
  return Status::Ok();
}

std::vector<std::pair<int64_t, std::shared_ptr<SpaceIndex>>> SearchEngine::SpacesById() const {
  std::shared_lock lock(spaces_mu_);
  return {spaces_.begin(), spaces_.end()};
}

EngineStats SearchEngine::Stats() const {
  std::shared_lock lock(spaces_mu_);
  EngineStats stats;
  stats.applied_version = applied_version_;
  stats.graph_version = graph_version_.load();
  stats.resumed = resumed_;
  stats.spaces = spaces_.size();
  for (const auto& [id, space] : spaces_) {
    stats.documents += space->Size();
    if (const VectorIndex* v = space->vectors()) stats.vectors += v->Size();
  }
  return stats;
}

}  // namespace memoryd
