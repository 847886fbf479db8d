#include "app/embedding_worker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "search/space_index.h"

namespace memoryd {
namespace {

constexpr int64_t kBatch = 64;
constexpr int kMaxBatchesPerRound = 1000;  // then the worker looks at stop and the clock again
constexpr const char* kProbeText = "memoryd embedder health probe";

std::string TextOf(const EmbeddingTask& t) { return SpaceIndex::IndexText(t.key, t.title, t.text); }

// An answer about the text itself, not about the endpoint's state.
bool RefusedText(const Status& s) { return s.code() == StatusCode::kTooLarge; }

}  // namespace

EmbeddingWorker::EmbeddingWorker(Store& store, EmbedderGuard& guard, SearchEngine& engine,
                                 std::chrono::milliseconds poll)
    : store_(store),
      guard_(guard),
      engine_(engine),
      name_(guard.embedder().Name()),
      poll_(poll),
      thread_([this] { Run(); }),
      counter_(std::make_unique<PeriodicTask>(poll, [this] { Count(); })) {}

EmbeddingWorker::~EmbeddingWorker() {
  counter_.reset();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void EmbeddingWorker::Wake() {
  // Counted at once (the counter thread corrects it within `poll`), so /healthz never reports
  // nothing pending right after a write.
  guard_.SetPending(pending_.fetch_add(1) + 1);
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void EmbeddingWorker::Run() {
  // Deferred work, like index maintenance: requests come first.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  std::unique_lock lock(mu_);
  while (!stop_) {
    woken_ = false;
    lock.unlock();
    guard_.ProbeIfDue();
    Round();
    lock.lock();
    // While paused, wake at the poll interval only: the guard decides when to probe.
    cv_.wait_for(lock, poll_, [this] { return stop_ || woken_; });
  }
}

void EmbeddingWorker::Log(const std::string& message) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const std::string line = log_limiter_.Filter(
      message, std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
}

void EmbeddingWorker::Count() {
  auto count = store_.CountStaleEmbeddings(name_);
  if (count.ok()) pending_ = *count;
  guard_.SetPending(pending_.load());
}

void EmbeddingWorker::Round() {
  // While paused, nothing is counted or sent (the counter thread keeps the count current);
  // writes that wake the worker then cost nothing.
  if (!guard_.WritesAllowed()) return;
  Count();
  if (pending_.load() == 0) {
    // Nothing to embed, but a paused channel must still find out that the endpoint is back.
    if (!guard_.InProcess() && guard_.Health().writes.condition != EmbedderCondition::kOk &&
        guard_.WritesAllowed()) {
      (void)guard_.EmbedForStore({kProbeText});
    }
    return;
  }
  for (int batch = 0; batch < kMaxBatchesPerRound; ++batch) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    guard_.ProbeIfDue();  // a long backlog must not delay noticing that searches recovered
    if (!guard_.WritesAllowed()) return;
    auto tasks = store_.StaleEmbeddings(name_, kBatch);
    if (!tasks.ok() || tasks->empty()) break;
    if (!EmbedBatch(*tasks)) break;
  }
  Count();
}

bool EmbeddingWorker::EmbedBatch(const std::vector<EmbeddingTask>& tasks) {
  std::vector<std::string> texts;
  texts.reserve(tasks.size());
  for (const EmbeddingTask& t : tasks) texts.push_back(TextOf(t));
  auto vectors = guard_.EmbedForStore(texts);
  if (!vectors.ok()) return RefusedText(vectors.status()) && EmbedOneByOne(tasks);
  std::vector<EmbeddingUpdate> updates;
  updates.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    updates.push_back({tasks[i].seq, tasks[i].version, std::move((*vectors)[i])});
  }
  return Save(updates);
}

bool EmbeddingWorker::EmbedOneByOne(const std::vector<EmbeddingTask>& tasks) {
  std::vector<EmbeddingUpdate> updates;
  std::vector<const EmbeddingTask*> refused;
  for (const EmbeddingTask& t : tasks) {
    auto vector = guard_.WritesAllowed() ? guard_.EmbedForStore({TextOf(t)})
                                         : Result<std::vector<Vector>>(Status::Unavailable(""));
    if (vector.ok()) {
      updates.push_back({t.seq, t.version, std::move(vector->front())});
    } else if (RefusedText(vector.status())) {
      refused.push_back(&t);
    } else {
      // The endpoint itself is failing: keep what was embedded, leave the rest pending.
      if (!updates.empty()) (void)Save(updates);
      return false;
    }
  }
  // A refusal is about the text only if the endpoint embeds something else: a batch-mate, or
  // else the probe text (a misconfigured endpoint refusing everything marks nothing).
  if (updates.empty() && !guard_.EmbedForStore({kProbeText}).ok()) return false;
  if (!refused.empty()) {
    Log("memoryd: embedder: the endpoint refused the text of " + std::to_string(refused.size()) +
        " memories (first: seq " + std::to_string(refused.front()->seq) +
        "); they are found by words only");
  }
  for (const EmbeddingTask* t : refused) updates.push_back({t->seq, t->version, {}});
  return Save(updates);
}

bool EmbeddingWorker::Save(const std::vector<EmbeddingUpdate>& updates) {
  auto stored = store_.SetEmbeddings(updates, name_);
  if (!stored.ok()) {
    Log("memoryd: storing embeddings failed: " + stored.status().ToString());
    return false;
  }
  if (*stored > 0) engine_.NoteWrite();
  return true;
}

}  // namespace memoryd
