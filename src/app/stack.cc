#include "app/stack.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>

#include "app/data_dir.h"
#include "app/periodic_task.h"
#include "embed/builtin_embedder.h"
#include "embed/openai_embedder.h"
#include "search/space_index.h"
#include "text/analyzer.h"

namespace memoryd {
namespace {

constexpr int64_t kReembedBatch = 64;

// Index maintenance is deferred work: requests come first. At nice 19 the follower gets little
// of a busy CPU (all of an idle one), so a write burst is answered at the speed of the write
// path while indexing catches up behind it. Not SCHED_IDLE: the follower holds index locks while
// it applies a change, and an idle-class thread can be kept off a busy CPU indefinitely, stalling
// every search that needs that lock; at nice 19 it still runs, slowly. A search that must catch
// up does so itself, at its own priority (SearchEngine::CatchUp). Best effort: failing to lower
// the priority changes nothing else.
void LowerThisThreadsPriority() {
  constexpr int kBackgroundNice = 19;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
}

Result<std::unique_ptr<Embedder>> MakeEmbedder(const EmbedConfig& config) {
  if (config.kind == "builtin") {
    MEMORYD_ASSIGN_OR_RETURN(auto builtin, BuiltinEmbedder::Create());
    return std::unique_ptr<Embedder>(std::move(builtin));
  }
  if (config.kind == "openai") {
    if (config.url.empty()) return Status::InvalidArgument("--embedder openai needs --embed-url");
    OpenAiEmbedderOptions options;
    options.url = config.url;
    options.model = config.model;
    options.api_key = config.api_key;
    options.dimension = config.dimension;
    MEMORYD_ASSIGN_OR_RETURN(auto openai, OpenAiEmbedder::Create(std::move(options)));
    return std::unique_ptr<Embedder>(std::move(openai));
  }
  return Status::InvalidArgument("--embedder must be 'builtin' or 'openai', got '" + config.kind +
                                 "'");
}

void LogIfFailed(const char* what, const Status& s) {
  if (!s.ok()) std::fprintf(stderr, "memoryd: %s failed: %s\n", what, s.ToString().c_str());
}

}  // namespace

struct Stack::Background {
  std::unique_ptr<PeriodicTask> purge;
  std::atomic<bool> stop{false};
  std::thread follower;
  ~Background() {
    stop = true;
    if (wake) wake();
    if (follower.joinable()) follower.join();
  }
  std::function<void()> wake;
  std::unique_ptr<PeriodicTask> save;
  std::unique_ptr<PeriodicTask> reembed;
};

Result<std::unique_ptr<Stack>> Stack::Open(const StackConfig& config) {
  std::unique_ptr<Stack> stack(new Stack());
  MEMORYD_ASSIGN_OR_RETURN(stack->embedder_, MakeEmbedder(config.embed));
  MEMORYD_ASSIGN_OR_RETURN(auto store,
                           OpenDataDir(config.data_dir, config.full_sync, config.read_cache_bytes));
  stack->store_ = std::move(store);
  MEMORYD_ASSIGN_OR_RETURN(auto analyzer, text::TextAnalyzer::Create());
  SearchEngineOptions options;
  options.index_dir = config.data_dir + "/index";
  if (config.embed.kind != "builtin") options.fusion = NeuralEmbedderFusion();
  MEMORYD_ASSIGN_OR_RETURN(stack->engine_, SearchEngine::Open(*stack->store_, *stack->embedder_,
                                                              analyzer, std::move(options)));
  stack->service_ = std::make_unique<MemoryService>(*stack->store_, stack->clock_, config.service);
  stack->service_->AttachSearch(stack->engine_.get(), stack->embedder_.get());
  auto pending = stack->store_->CountStaleEmbeddings(stack->embedder_->Name());
  if (pending.ok()) stack->pending_embeddings_ = *pending;
  stack->StartBackground(config);
  return stack;
}

void Stack::StartBackground(const StackConfig& config) {
  background_ = std::make_unique<Background>();
  background_->wake = [this] { engine_->WakeFollower(); };
  using std::chrono::milliseconds;
  background_->purge =
      std::make_unique<PeriodicTask>(milliseconds(config.purge_interval_ms), [this] {
        auto purged = service_->PurgeExpired();
        LogIfFailed("purging expired memories", purged.status());
      });
  // The thread gets the Background itself: ~Stack empties background_ before ~Background joins.
  Background* background = background_.get();
  background_->follower = std::thread([this, background, interval = config.follow_interval_ms] {
    LowerThisThreadsPriority();
    engine_->RunFollower(std::chrono::milliseconds(interval), background->stop,
                         [](const Status& s) { LogIfFailed("following the store", s); });
  });
  background_->save = std::make_unique<PeriodicTask>(milliseconds(config.save_interval_ms), [this] {
    LogIfFailed("saving the search indexes", engine_->Save());
  });
  background_->reembed = std::make_unique<PeriodicTask>(milliseconds(1000), [this] { Reembed(); });
}

// Embeds memories that have no embedding by the current embedder, a batch at a time, until none
// is left (a failure waits for the next round).
void Stack::Reembed() {
  if (pending_embeddings_.load() == 0) {
    // Another process may have written without an embedding; look again now and then.
    auto count = store_->CountStaleEmbeddings(embedder_->Name());
    if (!count.ok() || *count == 0) return;
    pending_embeddings_ = *count;
  }
  const std::string name = embedder_->Name();
  for (int round = 0; round < 100; ++round) {  // bounded: a stuck row cannot spin forever
    auto tasks = store_->StaleEmbeddings(name, kReembedBatch);
    if (!tasks.ok() || tasks->empty()) break;
    std::vector<std::string> texts;
    for (const auto& t : *tasks) texts.push_back(SpaceIndex::IndexText(t.key, t.title, t.text));
    auto vectors = embedder_->Embed(texts);
    if (!vectors.ok()) {
      std::lock_guard lock(error_mu_);
      last_embed_error_ = vectors.status().message();
      return;
    }
    for (size_t i = 0; i < tasks->size(); ++i) {
      (void)store_->SetEmbedding((*tasks)[i].seq, (*tasks)[i].version, (*vectors)[i], name);
    }
    (void)engine_->CatchUp();
    auto count = store_->CountStaleEmbeddings(name);
    pending_embeddings_ = count.ok() ? *count : 0;
    if (pending_embeddings_.load() == 0) break;
  }
}

EmbeddingProgress Stack::Progress() const {
  EmbeddingProgress p;
  p.embedder = embedder_->Name();
  p.pending = pending_embeddings_.load();
  std::lock_guard lock(error_mu_);
  p.last_error = last_embed_error_;
  return p;
}

Stack::~Stack() {
  if (engine_) engine_->Abandon();  // a backlog of writes is indexed at the next start
  background_.reset();
  if (engine_) LogIfFailed("saving the vector indexes", engine_->Save());
}

}  // namespace memoryd
