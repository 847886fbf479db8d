// How the indexes follow the store's feed: the keyword halves (CatchUpText, the follower) and the
// vector graphs behind them (BuildVectors, the builder). See search_engine.h.
#include <algorithm>
#include <thread>

#include "search/search_engine.h"

namespace memoryd {
namespace {

// Changes applied to the keyword halves per window; a catch-up checks for shutdown, and lets a
// waiting search in, between windows.
constexpr int64_t kTextWindow = 64;
// Changes read per window by the vector builder, and vectors inserted per batch (searches run
// beside a batch; the batch size bounds how long a shutdown waits for one).
constexpr int64_t kGraphWindow = 256;
constexpr size_t kGraphBatch = 16;
// How much a search helps the keyword halves catch up before it answers from what they hold: at
// least kSearchLeastChanges changes (every write before it, unless a bulk load is under way),
// then what fits in kSearchWaitBudget.
constexpr size_t kSearchLeastChanges = 32;
constexpr auto kSearchWaitBudget = std::chrono::milliseconds(5);

// After a failure the follower and the builder back off (50 ms doubling to 5 s) instead of
// retrying at once: a failure that persists costs a few calls a second, not a spin.
std::chrono::milliseconds NextBackoff(std::chrono::milliseconds backoff, bool failed) {
  constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
  constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
  if (!failed) return std::chrono::milliseconds(0);
  return std::min(std::max(backoff * 2, kFirstBackoff), kMaxBackoff);
}

}  // namespace

void SearchEngine::NoteWrite() {
  ++writes_noted_;
  WakeFollower();
}

void SearchEngine::NoteForeignWrite() {
  foreign_write_ = true;
  WakeFollower();
}

void SearchEngine::WakeFollower() {
  {
    std::lock_guard lock(wake_mu_);
    ++graph_work_;
  }
  wake_cv_.notify_one();
  graph_wake_cv_.notify_one();
}

void SearchEngine::WakeBuilder() {
  {
    std::lock_guard lock(wake_mu_);
    ++graph_work_;
  }
  graph_wake_cv_.notify_one();
}

Status SearchEngine::CatchUpIfWritten() {
  // A catch-up in progress may have started before the write: CatchUpText() waits for it (the
  // follower stops at the next change when it sees a search waiting), then applies whatever is
  // left at this thread's priority.
  if (writes_covered_.load() >= writes_noted_.load()) return Status::Ok();
  struct Waiting {
    std::atomic<int>& count;
    explicit Waiting(std::atomic<int>& c) : count(c) { ++count; }
    ~Waiting() { --count; }  // also when CatchUpText throws (std::bad_alloc)
  } waiting(searchers_waiting_);
  Budget budget{std::chrono::steady_clock::now() + kSearchWaitBudget, kSearchLeastChanges};
  return CatchUpText(/*yield=*/false, &budget);
}

Status SearchEngine::CatchUp() {
  MEMORYD_RETURN_IF_ERROR(CatchUpText());
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(const bool more, BuildVectors());
    if (!more || abandoned_.load()) return Status::Ok();
  }
}

void SearchEngine::RunFollower(std::chrono::milliseconds interval, const std::atomic<bool>& stop,
                               const std::function<void(const Status&)>& on_error) {
  std::chrono::milliseconds backoff{0};
  while (!stop.load()) {
    foreign_write_ = false;  // this catch-up reads the feed after it was set
    Status s = CatchUpText(/*yield=*/true);
    if (!s.ok()) on_error(s);
    backoff = NextBackoff(backoff, !s.ok());
    std::unique_lock lock(wake_mu_);
    if (backoff.count() > 0) {
      wake_cv_.wait_for(lock, backoff, [&] { return stop.load(); });
    } else {
      wake_cv_.wait_for(lock, interval, [&] {
        return stop.load() || writes_covered_.load() < writes_noted_.load() ||
               foreign_write_.load();
      });
    }
  }
}

void SearchEngine::RunVectorBuilder(size_t threads, std::chrono::milliseconds interval,
                                    const std::atomic<bool>& stop,
                                    const std::function<void(const Status&)>& on_error) {
  // Started here, so the helpers inherit this thread's priority.
  SideRunner helpers(threads > 1 ? threads - 1 : 0);
  const ParallelRun run = [&helpers](const std::function<void()>& task) {
    helpers.RunEverywhere(task);
  };
  std::chrono::milliseconds backoff{0};
  while (!stop.load()) {
    uint64_t work_seen = 0;
    {
      std::lock_guard lock(wake_mu_);
      work_seen = graph_work_;
    }
    Result<bool> more = BuildVectors(run);
    if (!more.ok()) on_error(more.status());
    backoff = NextBackoff(backoff, !more.ok());
    if (more.ok() && *more) continue;
    std::unique_lock lock(wake_mu_);
    if (backoff.count() > 0) {
      graph_wake_cv_.wait_for(lock, backoff, [&] { return stop.load(); });
    } else {
      graph_wake_cv_.wait_for(lock, interval,
                              [&] { return stop.load() || graph_work_ != work_seen; });
    }
  }
}

Status SearchEngine::CatchUpText(bool yield, Budget* budget) {
  // Every write noted before this point committed before it, so the feed reads below hold it.
  const uint64_t noted = writes_noted_.load();
  for (;;) {
    if (yield) WaitForSearchers();
    if (budget != nullptr && budget->Spent()) return Status::Ok();  // the rest: the follower
    std::lock_guard lock(catch_up_mu_);
    if (abandoned_.load()) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(applied_version_, kTextWindow));
    if (!changes.complete) {
      MEMORYD_RETURN_IF_ERROR(ReplaceTextIndexes());
      writes_covered_ = std::max(writes_covered_.load(), noted);
      return Status::Ok();
    }
    if (changes.version <= applied_version_) {
      writes_covered_ = std::max(writes_covered_.load(), noted);
      return Status::Ok();
    }
    MEMORYD_ASSIGN_OR_RETURN(const int64_t applied, ApplyText(changes, yield, budget));
    {
      std::unique_lock spaces_lock(spaces_mu_);
      applied_version_ = std::max(applied_version_, applied);
    }
    WakeBuilder();
    if (applied < changes.version && !yield) return Status::Ok();  // out of time
  }
}

// As CatchUpText, without yielding, for a caller that holds catch_up_mu_ (opening).
Status SearchEngine::CatchUpTextLocked(bool yield) {
  for (;;) {
    MEMORYD_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(applied_version_, kTextWindow));
    if (!changes.complete) return ReplaceTextIndexes();
    if (changes.version <= applied_version_) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(const int64_t applied, ApplyText(changes, yield, nullptr));
    std::unique_lock spaces_lock(spaces_mu_);
    applied_version_ = std::max(applied_version_, applied);
  }
}

// The feed's history since the keyword halves' version was pruned (this process fell a day
// behind): rebuild them from one scan, keeping the graphs (their builder follows its own cursor).
Status SearchEngine::ReplaceTextIndexes() {
  Spaces spaces;
  MEMORYD_ASSIGN_OR_RETURN(const int64_t snapshot, ScanText(&spaces));
  std::lock_guard graph_lock(graph_mu_);
  std::unique_lock lock(spaces_mu_);
  for (auto& [id, old] : spaces_) {
    auto& slot = spaces[id];
    if (!slot)
      slot = std::make_shared<SpaceIndex>(analyzer_, options_.bm25, options_.hnsw, nullptr);
    slot->AttachVectors(old->TakeVectors(), /*dirty=*/true);
  }
  spaces_ = std::move(spaces);
  applied_version_ = snapshot;
  return Status::Ok();
}

// Applies upserts and removals in version order (a sequence number deleted and then reused must
// end up indexed). Stops early, between two changes, once a search waits to catch up (with
// `yield`) or the budget (if any) is spent. Returns the version applied up to: changes.version
// when all were applied.
Result<int64_t> SearchEngine::ApplyText(const IndexChanges& changes, bool yield, Budget* budget) {
  const int64_t graph_version = graph_version_.load();
  size_t u = 0;
  size_t r = 0;
  while (u < changes.upserts.size() || r < changes.removals.size()) {
    if ((yield && searchers_waiting_.load() > 0) || (budget != nullptr && budget->Spent())) {
      const int64_t next =
          u < changes.upserts.size() ? changes.upserts[u].version : changes.removals[r].version;
      const int64_t next_removal = r < changes.removals.size() ? changes.removals[r].version : next;
      return std::min(next, next_removal) - 1;  // everything before the next change is applied
    }
    if (budget != nullptr) ++budget->applied;
    const bool take_upsert =
        r == changes.removals.size() ||
        (u < changes.upserts.size() && changes.upserts[u].version < changes.removals[r].version);
    if (take_upsert) {
      const IndexRecord& record = changes.upserts[u++];
      const bool recent = record.version > graph_version && VectorUsable(record);
      MEMORYD_RETURN_IF_ERROR(SpaceFor(record.space_id)->UpsertWritten(record, recent));
    } else {
      const IndexRemoval& removal = changes.removals[r++];
      if (auto space = FindSpace(removal.space_id)) {
        space->RemoveText(static_cast<uint64_t>(removal.seq), removal.version);
      }
    }
  }
  return changes.version;
}

Result<bool> SearchEngine::BuildVectors(const ParallelRun& run) {
  std::lock_guard lock(graph_mu_);
  if (abandoned_.load()) return false;
  const int64_t from = graph_version_.load();
  MEMORYD_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(from, kGraphWindow));
  if (!changes.complete) {
    // The removals since the graphs' version were pruned (a day of history): start the graphs
    // again from one scan of the store.
    MEMORYD_RETURN_IF_ERROR(RebuildGraphs(run));
    return true;
  }
  if (changes.version <= from) return false;
  MEMORYD_ASSIGN_OR_RETURN(const bool applied, ApplyToGraphs(changes, run));
  if (!applied) return false;  // abandoned part-way: the version stays where it was
  graph_version_ = changes.version;
  for (const auto& space : AllSpaces()) space->ForgetRecentThrough(changes.version);
  return true;
}

void SearchEngine::ResetGraphs() {
  std::unique_lock lock(spaces_mu_);  // Stats() reads the graphs under it
  for (auto& [id, space] : spaces_) space->ResetVectors();
  graph_version_ = 0;
}

// Empties every graph and adds every live memory's stored embedding from one snapshot of the
// store, in batches per space; the graphs then reflect the snapshot's version. Abandoned
// part-way, they stay at version 0 (the next start rebuilds them).
Status SearchEngine::RebuildGraphs(const ParallelRun& run) {
  ResetGraphs();
  std::unordered_map<int64_t, std::vector<IndexRecord>> batches;
  const auto flush = [&](int64_t space_id) -> Status {
    auto& records = batches[space_id];
    std::vector<LabeledVector> batch;
    for (const IndexRecord& r : records)
      batch.push_back({static_cast<uint64_t>(r.seq), &r.embedding});
    Status s = SpaceFor(space_id)->AddVectors(batch, run);
    records.clear();
    return s;
  };
  auto snapshot = store_.ScanIndex(0, [&](IndexRecord&& record) -> Status {
    if (abandoned_.load()) return Status::Unavailable("shutting down");
    if (!VectorUsable(record)) return Status::Ok();
    const int64_t space_id = record.space_id;
    auto& records = batches[space_id];
    records.push_back(std::move(record));
    return records.size() >= kGraphBatch ? flush(space_id) : Status::Ok();
  });
  if (abandoned_.load()) return Status::Ok();
  MEMORYD_RETURN_IF_ERROR(snapshot.status());
  for (auto& [space_id, records] : batches) {
    if (!records.empty()) MEMORYD_RETURN_IF_ERROR(flush(space_id));
  }
  graph_version_ = *snapshot;
  for (const auto& space : AllSpaces()) space->ForgetRecentThrough(*snapshot);
  return Status::Ok();
}

// Applies one window to the graphs in version order: upserts gather into batches per space,
// inserted kGraphBatch at a time; a removal first flushes the batches (its label may be among
// them, deleted and then reused). Returns false when abandoned part-way.
Result<bool> SearchEngine::ApplyToGraphs(const IndexChanges& changes, const ParallelRun& run) {
  std::unordered_map<int64_t, std::vector<LabeledVector>> batches;
  const auto flush = [&](int64_t space_id) -> Status {
    auto& batch = batches[space_id];
    Status s = SpaceFor(space_id)->AddVectors(batch, run);
    batch.clear();
    return s;
  };
  const auto flush_all = [&]() -> Status {
    for (auto& [space_id, batch] : batches) {
      if (!batch.empty()) MEMORYD_RETURN_IF_ERROR(flush(space_id));
    }
    return Status::Ok();
  };
  size_t u = 0;
  size_t r = 0;
  while (u < changes.upserts.size() || r < changes.removals.size()) {
    if (abandoned_.load()) return false;
    const bool take_upsert =
        r == changes.removals.size() ||
        (u < changes.upserts.size() && changes.upserts[u].version < changes.removals[r].version);
    if (!take_upsert) {
      MEMORYD_RETURN_IF_ERROR(flush_all());
      const IndexRemoval& removal = changes.removals[r++];
      if (auto space = FindSpace(removal.space_id)) {
        space->RemoveVector(static_cast<uint64_t>(removal.seq));
      }
      continue;
    }
    const IndexRecord& record = changes.upserts[u++];
    const auto label = static_cast<uint64_t>(record.seq);
    if (!VectorUsable(record)) {
      if (!batches[record.space_id].empty()) MEMORYD_RETURN_IF_ERROR(flush(record.space_id));
      SpaceFor(record.space_id)->RemoveVector(label);
      continue;
    }
    auto& batch = batches[record.space_id];
    batch.push_back({label, &record.embedding});
    if (batch.size() >= kGraphBatch) MEMORYD_RETURN_IF_ERROR(flush(record.space_id));
  }
  MEMORYD_RETURN_IF_ERROR(flush_all());
  return true;
}

// A search that waits to catch up goes first: it applies the backlog at its own priority.
void SearchEngine::WaitForSearchers() const {
  while (searchers_waiting_.load() > 0 && !abandoned_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace memoryd
