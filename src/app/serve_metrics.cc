#include "app/serve_metrics.h"

#include <algorithm>

#include "embed/embedder_guard.h"
#include "search/search_engine.h"

namespace memoryd {
namespace {

using metrics::ExpositionWriter;
using metrics::MetricType;

constexpr double kNanosecond = 1e-9;
constexpr EmbedderCondition kConditions[] = {
    EmbedderCondition::kOk, EmbedderCondition::kUnreachable, EmbedderCondition::kTimingOut,
    EmbedderCondition::kWrongDimension, EmbedderCondition::kFailing};

void Gauge(ExpositionWriter& out, std::string_view name, std::string_view help, double value) {
  out.Family(name, MetricType::kGauge, help);
  out.Sample(name, {}, value);
}

void Count(ExpositionWriter& out, std::string_view name, std::string_view help, int64_t value) {
  out.Family(name, MetricType::kCounter, help);
  out.Sample(name, {}, static_cast<uint64_t>(std::max<int64_t>(0, value)));
}

}  // namespace

ServeMetrics::ServeMetrics(double start_seconds)
    : start_seconds_(start_seconds),
      batch_sizes_(metrics::SizeBuckets(), 1),
      commit_seconds_(metrics::LatencyBuckets(), kNanosecond) {}

void ServeMetrics::OnBatch(size_t writes, std::chrono::nanoseconds elapsed) {
  batch_sizes_.ObserveUnits(static_cast<int64_t>(writes));
  commit_seconds_.ObserveUnits(elapsed.count());
}

std::string ServeMetrics::Render(const ScrapeSources& sources) const {
  ExpositionWriter out;
  WriteProcess(out);
  sources.requests.Write(out);
  sources.tools.Write(out);
  MemoryService& service = sources.stack.service();
  Count(out, "memoryd_rate_limited_total",
        "Requests refused by the per-account rate limit (--rate-limit-per-minute).",
        service.RateLimitedCount());
  Count(out, "memoryd_auth_throttled_total",
        "Authentication attempts refused (429) after too many failures from one address.",
        sources.auth_failures.throttled());
  WriteStore(out, sources.stack);
  WriteEmbedder(out, sources.stack);
  return out.Take();
}

void ServeMetrics::WriteProcess(ExpositionWriter& out) const {
  out.Family("memoryd_build_info", MetricType::kGauge, "Always 1; the version as a label.");
  out.Sample("memoryd_build_info", {{"version", MEMORYD_VERSION}}, uint64_t{1});
  Gauge(out, "process_start_time_seconds", "Start time of the process since the Unix epoch.",
        start_seconds_);
}

void ServeMetrics::WriteStore(ExpositionWriter& out, Stack& stack) const {
  // A failing store read leaves its gauges out of this scrape rather than reporting zero.
  if (auto totals = stack.store().Totals(); totals.ok()) {
    Gauge(out, "memoryd_spaces", "Spaces in the store, every account.",
          static_cast<double>(totals->spaces));
    Gauge(out, "memoryd_memories",
          "Memories in the store, every account (expired ones count until the purge, which "
          "runs every 30 s).",
          static_cast<double>(totals->memories));
  }
  SearchEngine* engine = stack.service().Engine(std::chrono::milliseconds(0));
  Gauge(out, "memoryd_indexes_ready", "1 once the search indexes are loaded, 0 while they load.",
        engine != nullptr ? 1 : 0);
  if (auto version = stack.store().CurrentVersion(); version.ok() && engine != nullptr) {
    const EngineStats stats = engine->Stats();
    const int64_t lag = std::max<int64_t>(0, *version - stats.applied_version);
    Gauge(out, "memoryd_index_lag_versions",
          "Store changes (writes and deletions of indexed content) the keyword indexes have not "
          "applied yet.",
          static_cast<double>(lag));
    Gauge(out, "memoryd_vector_index_lag_versions",
          "Store changes the vector graphs have not applied yet (memories written since are found "
          "by words and, the newest 4,096 per space, by an exact scan of their vectors).",
          static_cast<double>(std::max<int64_t>(0, *version - stats.graph_version)));
  }
  out.Family("memoryd_store_write_batch_size", MetricType::kHistogram,
             "Write operations per group commit.");
  out.Histogram("memoryd_store_write_batch_size", {}, batch_sizes_.Snapshot());
  out.Family("memoryd_store_commit_duration_seconds", MetricType::kHistogram,
             "Time of one group commit, from BEGIN to the end of COMMIT (fsync included).");
  out.Histogram("memoryd_store_commit_duration_seconds", {}, commit_seconds_.Snapshot());
}

void ServeMetrics::WriteEmbedder(ExpositionWriter& out, Stack& stack) {
  const EmbedderHealth health = stack.embedder().Health();
  Gauge(out, "memoryd_embeddings_pending", "Memories waiting for their vector (as last counted).",
        static_cast<double>(health.pending));
  out.Family("memoryd_embedder_state", MetricType::kGauge,
             "1 for the embedder's current state (the worse of its two channels), 0 otherwise.");
  const EmbedderCondition current = health.condition();
  for (EmbedderCondition c : kConditions) {
    out.Sample("memoryd_embedder_state", {{"state", ConditionName(c)}},
               uint64_t{c == current ? 1u : 0u});
  }
}

}  // namespace memoryd
