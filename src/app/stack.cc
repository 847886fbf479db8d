#include "app/stack.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
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

constexpr auto kEmbedPoll = std::chrono::milliseconds(1000);
constexpr auto kStartProbeFloor = std::chrono::milliseconds(2000);

// Graph construction is deferred work: requests come first. At nice 19 the vector builder gets
// little of a busy CPU (all of an idle one), so a write burst is answered at the speed of the write
// path while the graphs catch up behind it, and searches never wait for them (they scan the
// vectors the graphs do not hold yet). Not SCHED_IDLE: the builder holds a graph's lock while it
// inserts a batch, and an idle-class thread can be kept off a busy CPU indefinitely, stalling
// every search of that space; at nice 19 it still runs, slowly. Best effort: failing to lower the
// priority changes nothing else.
void LowerThisThreadsPriority() {
  constexpr int kBackgroundNice = 19;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
}

// The link kinds of the semantic layer (text/semantic.h): the default ones, unless
// MEMORYD_SEMANTIC_LINKS names others ("synonym,broader", "all", "none"). A benchmark knob for
// measuring each kind of link on its own (docs/BENCHMARKS.md); an unknown name stops the server at
// start.
Result<text::SemanticOptions> SemanticOptionsFromEnvironment() {
  text::SemanticOptions options;
  const char* links = std::getenv("MEMORYD_SEMANTIC_LINKS");
  if (links == nullptr) return options;
  std::optional<uint32_t> mask = text::ParseLinkKinds(links);
  if (!mask) {
    return Status::InvalidArgument(
        "MEMORYD_SEMANTIC_LINKS: use default, all, none or a comma-separated list of synonym, "
        "broader, part-of, derived, similar, definition");
  }
  options.links = *mask;
  return options;
}

Result<std::unique_ptr<Embedder>> MakeEmbedder(const EmbedConfig& config) {
  if (config.kind == "builtin") {
    BuiltinEmbedderOptions options;
    MEMORYD_ASSIGN_OR_RETURN(options.semantic, SemanticOptionsFromEnvironment());
    MEMORYD_ASSIGN_OR_RETURN(auto builtin, BuiltinEmbedder::Create(options));
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

// Asks an embedder outside the process for one vector before anything opens: a dimension that
// disagrees with the configured one stops the start with a message saying what to change; an
// endpoint that does not answer does not (memoryd starts degraded and says so).
Status ProbeAtStart(Embedder& embedder, const EmbedConfig& config) {
  if (embedder.InProcess()) return Status::Ok();
  EmbedBudget budget;
  budget.deadline = std::chrono::steady_clock::now() +
                    std::max(std::chrono::milliseconds(config.query_timeout_ms), kStartProbeFloor);
  budget.max_retries = 0;
  auto answer = embedder.EmbedWithin({"memoryd start-up probe"}, budget);
  if (answer.ok()) return Status::Ok();
  if (answer.status().code() == StatusCode::kInvalidArgument) {
    return Status::InvalidArgument(
        answer.status().message() +
        ": --embed-dimension must be the model's dimension (or 0 to "
        "learn it from the endpoint); refusing to start half-configured");
  }
  std::fprintf(stderr,
               "memoryd: embedder: no answer at start (%s); starting anyway: searches match by "
               "words and new memories wait for their vectors until it answers\n",
               answer.status().message().c_str());
  return Status::Ok();
}

}  // namespace

struct Stack::Background {
  std::unique_ptr<PeriodicTask> purge;
  std::unique_ptr<PeriodicTask> key_uses;
  std::atomic<bool> stop{false};
  std::thread follower;
  std::thread builder;
  std::unique_ptr<Store::Watch> watch;  // other nodes' commits wake the follower
  ~Background() {
    watch.reset();  // it calls `wake`
    purge.reset();  // its writes wake the embedding worker: stop it before the worker goes
    stop = true;
    if (wake) wake();
    if (follower.joinable()) follower.join();
    if (builder.joinable()) builder.join();
  }
  std::function<void()> wake;
  std::unique_ptr<PeriodicTask> save;
  std::unique_ptr<EmbeddingWorker> embedding;
};

Result<std::unique_ptr<Stack>> Stack::Open(const StackConfig& config) {
  std::unique_ptr<Stack> stack(new Stack());
  MEMORYD_ASSIGN_OR_RETURN(stack->embedder_, MakeEmbedder(config.embed));
  MEMORYD_RETURN_IF_ERROR(ProbeAtStart(*stack->embedder_, config.embed));
  EmbedderGuardOptions guard_options;
  guard_options.query_timeout = std::chrono::milliseconds(config.embed.query_timeout_ms);
  stack->guard_ = std::make_unique<EmbedderGuard>(*stack->embedder_, guard_options, stack->clock_);
  MEMORYD_ASSIGN_OR_RETURN(auto store,
                           OpenStore({config.data_dir, config.database_url}, config.full_sync,
                                     config.read_cache_bytes, config.write_observer));
  stack->store_ = std::move(store);
  text::AnalyzerOptions analysis;
  MEMORYD_ASSIGN_OR_RETURN(analysis.semantic, SemanticOptionsFromEnvironment());
  MEMORYD_ASSIGN_OR_RETURN(auto analyzer, text::TextAnalyzer::Create(analysis));
  stack->service_ = std::make_unique<MemoryService>(*stack->store_, stack->clock_, config.service);
  Stack* raw = stack.get();
  stack->service_->AttachSearch(nullptr, stack->guard_.get(), [raw] {
    if (EmbeddingWorker* worker = raw->worker_.load()) worker->Wake();
  });
  stack->service_->SetLoadingAnalyzer(analyzer);
  stack->StartBackground(config);
  // The indexes load (or are rebuilt) in the background: the store answers at once, and
  // searches match words until the indexes are ready.
  stack->loader_ = std::thread([raw, config, analyzer] { raw->LoadIndexes(config, analyzer); });
  return stack;
}

void Stack::LoadIndexes(const StackConfig& config,
                        std::shared_ptr<const text::TextAnalyzer> analyzer) {
  SearchEngineOptions options;
  options.index_dir = IndexDir({config.data_dir, config.database_url});
  if (config.embed.kind != "builtin") options.fusion = NeuralEmbedderFusion();
  auto engine = SearchEngine::Open(*store_, *embedder_, std::move(analyzer), std::move(options));
  if (!engine.ok()) {
    LogIfFailed("loading the search indexes", engine.status());
    service_->SetLoadingProblem(engine.status().message());
    return;
  }
  engine_ = std::move(engine).value();
  if (stopping_.load()) return;  // shutting down: ~Stack saves; nothing more to start
  // What was rebuilt or caught up is saved at once: a crash now does not mean doing it again.
  LogIfFailed("saving the search indexes", engine_->Save());
  StartIndexing(config);
  service_->SetEngine(engine_.get());
}

bool Stack::WaitUntilSearchable(std::chrono::milliseconds limit) {
  return service_->Engine(limit) != nullptr;
}

void Stack::StartBackground(const StackConfig& config) {
  background_ = std::make_unique<Background>();
  using std::chrono::milliseconds;
  background_->purge =
      std::make_unique<PeriodicTask>(milliseconds(config.purge_interval_ms), [this] {
        auto purged = service_->PurgeExpired();
        LogIfFailed("purging expired memories", purged.status());
      });
  background_->key_uses = std::make_unique<PeriodicTask>(
      milliseconds(config.key_use_interval_ms),
      [this] { LogIfFailed("recording when API keys were used", service_->FlushKeyUses()); });
}

void Stack::StartIndexing(const StackConfig& config) {
  using std::chrono::milliseconds;
  background_->wake = [this] { engine_->WakeFollower(); };
  background_->watch = store_->WatchChanges([this] { engine_->NoteForeignWrite(); });
  // The thread gets the Background itself: ~Stack empties background_ before ~Background joins.
  Background* background = background_.get();
  // The follower keeps its priority: searches wait for it (up to 5 ms each), and its work, text
  // analysis, keeps up with any write rate on one core.
  background_->follower = std::thread([this, background, interval = config.follow_interval_ms] {
    engine_->RunFollower(
        std::chrono::milliseconds(interval), background->stop, [this](const Status& s) {
          const std::string line =
              follow_errors_.Filter("memoryd: following the store failed: " + s.ToString(),
                                    clock_.MonotonicMicros() / 1000);
          if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
        });
  });
  // The vector graphs follow on their own thread and, during a backlog, on every core.
  background_->builder = std::thread([this, background, interval = config.follow_interval_ms] {
    LowerThisThreadsPriority();
    engine_->RunVectorBuilder(
        std::max(1u, std::thread::hardware_concurrency()), std::chrono::milliseconds(interval),
        background->stop, [this](const Status& s) {
          const std::string line =
              follow_errors_.Filter("memoryd: building the vector index failed: " + s.ToString(),
                                    clock_.MonotonicMicros() / 1000);
          if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
        });
  });
  background_->save = std::make_unique<PeriodicTask>(milliseconds(config.save_interval_ms), [this] {
    LogIfFailed("saving the search indexes", engine_->Save());
  });
  background_->embedding =
      std::make_unique<EmbeddingWorker>(*store_, *guard_, *engine_, kEmbedPoll);
  worker_ = background_->embedding.get();
}

void Stack::BeginShutdown() {
  stopping_ = true;
  if (guard_) guard_->Shutdown();
}

Stack::~Stack() {
  BeginShutdown();
  if (loader_.joinable()) loader_.join();  // a rebuild in progress is finished first
  worker_ = nullptr;
  if (engine_) engine_->Abandon();  // a backlog of writes is indexed at the next start
  background_.reset();
  if (service_) LogIfFailed("recording when API keys were used", service_->FlushKeyUses());
  if (engine_) LogIfFailed("saving the vector indexes", engine_->Save());
}

}  // namespace memoryd
