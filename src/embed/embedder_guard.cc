#include "embed/embedder_guard.h"

#include <cstdio>

namespace memoryd {
namespace {

constexpr int64_t kSummaryEveryMs = 5 * 60 * 1000;
constexpr const char* kProbeText = "memoryd embedder health probe";

EmbedderCondition Classify(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return EmbedderCondition::kOk;
    case StatusCode::kDeadlineExceeded:
      return EmbedderCondition::kTimingOut;
    case StatusCode::kUnavailable:
      return EmbedderCondition::kUnreachable;
    case StatusCode::kInvalidArgument:
      return EmbedderCondition::kWrongDimension;
    default:
      return EmbedderCondition::kFailing;
  }
}

int Severity(EmbedderCondition c) {
  switch (c) {
    case EmbedderCondition::kOk:
      return 0;
    case EmbedderCondition::kTimingOut:
      return 1;
    case EmbedderCondition::kFailing:
      return 2;
    case EmbedderCondition::kUnreachable:
      return 3;
    case EmbedderCondition::kWrongDimension:
      return 4;
  }
  return 0;
}

std::string Explain(EmbedderCondition c) {
  switch (c) {
    case EmbedderCondition::kOk:
      return "healthy";
    case EmbedderCondition::kUnreachable:
      return "the embedding endpoint is unreachable";
    case EmbedderCondition::kTimingOut:
      return "the embedding endpoint is not answering in time";
    case EmbedderCondition::kWrongDimension:
      return "the embedding endpoint returns vectors of the wrong dimension";
    case EmbedderCondition::kFailing:
      return "the embedding endpoint answers with errors";
  }
  return "unknown";
}

std::string Seconds(int64_t ms) { return std::to_string((ms + 500) / 1000) + " s"; }

}  // namespace

std::string_view ConditionName(EmbedderCondition condition) {
  switch (condition) {
    case EmbedderCondition::kOk:
      return "ok";
    case EmbedderCondition::kUnreachable:
      return "unreachable";
    case EmbedderCondition::kTimingOut:
      return "timing_out";
    case EmbedderCondition::kWrongDimension:
      return "wrong_dimension";
    case EmbedderCondition::kFailing:
      return "failing";
  }
  return "unknown";
}

EmbedderCondition EmbedderHealth::condition() const {
  return Severity(searches.condition) > Severity(writes.condition) ? searches.condition
                                                                   : writes.condition;
}

std::string EmbedderHealth::Reason() const {
  if (ok()) return "";
  const ChannelHealth& worst =
      Severity(searches.condition) > Severity(writes.condition) ? searches : writes;
  std::string reason = Explain(condition());
  if (searches.condition != EmbedderCondition::kOk) reason += "; searches match by words only";
  if (writes.condition != EmbedderCondition::kOk) {
    reason += "; " + std::to_string(pending) + " memories wait for their vector";
  }
  if (!worst.last_error.empty()) reason += " (" + worst.last_error + ")";
  return reason;
}

EmbedderGuard::EmbedderGuard(Embedder& embedder, EmbedderGuardOptions options, const Clock& clock,
                             Log log)
    : embedder_(embedder),
      options_(options),
      clock_(clock),
      log_(std::move(log)),
      searches_{"searches", CircuitBreaker(options.breaker), {}},
      writes_{"embedding of stored memories", CircuitBreaker(options.breaker), {}} {}

void EmbedderGuard::Emit(const std::string& line) {
  if (log_) {
    log_(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

std::string EmbedderGuard::QueryDegradedReason() const {
  return Explain(searches_.health.condition) + "; results are matched by words only";
}

QueryEmbedding EmbedderGuard::EmbedQuery(const std::string& text) {
  QueryEmbedding out;
  if (stopping_.load()) {
    out.degraded = "memoryd is stopping; results are matched by words only";
    return out;
  }
  if (embedder_.InProcess()) {
    auto vectors = embedder_.Embed({text});
    if (vectors.ok() && vectors->size() == 1) {
      out.vector = std::move(vectors->front());
    } else {
      out.degraded = "the embedder failed; results are matched by words only";
    }
    return out;
  }
  {
    std::lock_guard lock(mu_);
    if (!searches_.breaker.Allow(clock_.MonotonicMicros() / 1000)) {
      out.degraded = QueryDegradedReason();
      return out;
    }
  }
  EmbedBudget budget;
  budget.deadline = std::chrono::steady_clock::now() + options_.query_timeout;
  budget.max_retries = 0;
  auto vectors = Call(searches_, {text}, budget);
  if (vectors.ok() && vectors->size() == 1) {
    out.vector = std::move(vectors->front());
    return out;
  }
  std::lock_guard lock(mu_);
  out.degraded = QueryDegradedReason();
  return out;
}

Result<std::vector<Vector>> EmbedderGuard::EmbedForStore(const std::vector<std::string>& texts) {
  if (stopping_.load()) return Status::Unavailable("memoryd is stopping");
  if (!embedder_.InProcess()) {
    std::lock_guard lock(mu_);
    if (!writes_.breaker.Allow(clock_.MonotonicMicros() / 1000)) {
      return Status::Unavailable("embedding paused: " + Explain(writes_.health.condition));
    }
  } else {
    return embedder_.Embed(texts);
  }
  EmbedBudget budget;
  budget.deadline = std::chrono::steady_clock::now() + options_.write_timeout;
  budget.max_retries = options_.write_retries;
  return Call(writes_, texts, budget);
}

bool EmbedderGuard::WritesAllowed() const {
  if (stopping_.load()) return false;
  std::lock_guard lock(mu_);
  return writes_.breaker.WouldAllow(clock_.MonotonicMicros() / 1000);
}

void EmbedderGuard::ProbeIfDue() {
  if (stopping_.load() || embedder_.InProcess()) return;
  {
    std::lock_guard lock(mu_);
    if (searches_.health.condition == EmbedderCondition::kOk ||
        !searches_.breaker.Allow(clock_.MonotonicMicros() / 1000)) {
      return;
    }
  }
  EmbedBudget budget;
  budget.deadline = std::chrono::steady_clock::now() + options_.query_timeout;
  budget.max_retries = 0;
  (void)Call(searches_, {kProbeText}, budget);
}

Result<std::vector<Vector>> EmbedderGuard::Call(Channel& channel,
                                                const std::vector<std::string>& texts,
                                                const EmbedBudget& budget) {
  auto vectors = embedder_.EmbedWithin(texts, budget);
  Status outcome = vectors.ok() ? Status::Ok() : vectors.status();
  if (outcome.ok() && vectors->size() != texts.size()) {
    outcome = Status::Internal("the embedder returned " + std::to_string(vectors->size()) +
                               " vectors for " + std::to_string(texts.size()) + " texts");
  }
  if (stopping_.load()) return outcome.ok() ? vectors : Result<std::vector<Vector>>(outcome);
  std::lock_guard lock(mu_);
  Report(channel, outcome);
  if (!outcome.ok()) return outcome;
  return vectors;
}

void EmbedderGuard::Report(Channel& channel, const Status& outcome) {
  const int64_t mono_ms = clock_.MonotonicMicros() / 1000;
  const int64_t wall_ms = clock_.NowMillis();
  ChannelHealth& h = channel.health;
  if (outcome.ok()) {
    if (channel.logged_open) {
      Emit("memoryd: embedder: " + std::string(channel.what) + " healthy again after " +
           std::to_string(h.failures) + " failed calls over " + Seconds(wall_ms - h.since_ms));
    }
    channel.breaker.RecordSuccess();
    channel.logged_open = false;
    h.condition = EmbedderCondition::kOk;
    h.paused = false;
    h.since_ms = 0;
    h.failures = 0;
    return;
  }
  if (outcome.code() == StatusCode::kTooLarge) {
    // The endpoint answered and refused this input: it works. Health and breaker are reported
    // as for a success (a half-open breaker must hear back from its probe).
    Report(channel, Status::Ok());
    return;
  }
  const EmbedderCondition condition = Classify(outcome);
  const bool changed = condition != h.condition;
  if (h.condition == EmbedderCondition::kOk) h.since_ms = wall_ms;
  h.condition = condition;
  h.last_error = outcome.message();
  const bool lasting = condition == EmbedderCondition::kWrongDimension;
  channel.breaker.RecordFailure(mono_ms, lasting);
  h.failures = channel.breaker.failures();
  h.paused = channel.breaker.state() != BreakerState::kClosed;
  if (!h.paused) return;
  std::string line;
  if (!channel.logged_open || changed) {
    line = "memoryd: embedder: " + std::string(channel.what) + " paused: " + Explain(condition) +
           ": " + h.last_error;
    if (lasting) {
      line +=
          ". Memories written now are found by words only. Set --embed-dimension to the model's "
          "dimension (0 learns it) or point --embed-url/--embed-model at the intended model, and "
          "restart: memoryd then embeds what it must";
    } else {
      line += "; retrying with back-off, words only meanwhile";
    }
  } else if (mono_ms - channel.last_log_ms >= kSummaryEveryMs) {
    line = "memoryd: embedder: " + std::string(channel.what) +
           " still paused: " + Explain(condition) + ", " + std::to_string(h.failures) +
           " failed calls over " + Seconds(wall_ms - h.since_ms) + "; last error: " + h.last_error;
  }
  if (line.empty()) return;
  channel.logged_open = true;
  channel.last_log_ms = mono_ms;
  Emit(line);
}

EmbedderHealth EmbedderGuard::Health() const {
  EmbedderHealth out;
  out.name = embedder_.Name();
  out.dimension = embedder_.Dimension();
  out.pending = pending_.load();
  std::lock_guard lock(mu_);
  out.searches = searches_.health;
  out.writes = writes_.health;
  return out;
}

void EmbedderGuard::Shutdown() {
  stopping_ = true;
  embedder_.Cancel();
}

}  // namespace memoryd
