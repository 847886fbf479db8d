// EmbedderGuard: every call memoryd makes to its embedder goes through here, so a slow, hung or
// broken endpoint costs a bounded amount of time and is reported once, not per memory.
//
// Two channels, each with its own CircuitBreaker and health:
// - searches: one query text, within `query_timeout` and without retries. Past the deadline, or
//   while the breaker is open, the search gets no vector and answers from words alone
//   (QueryEmbedding::degraded says why).
// - writes: texts of stored memories, embedded in the background (EmbeddingWorker) within
//   `write_timeout`, with the embedder's retries. While the breaker is open nothing is sent;
//   the memories wait, durably, and are found by words meanwhile.
// A channel is healthy until a call fails; it is healthy again after a call succeeds. An open
// breaker is probed by the background worker (ProbeIfDue), so recovery is noticed without
// traffic. A wrong dimension is a lasting failure: the breaker opens for its longest back-off.
// An input the endpoint refuses (kTooLarge) is not a failure of the endpoint: it answered.
//
// Logging is bounded: one line when a channel's breaker opens (with the reason and the error),
// one when its reason changes, a summary every five minutes while it stays open, and one when it
// is healthy again (with the number of failures and how long it lasted).
//
// An in-process embedder (Embedder::InProcess) is called directly: it cannot hang or fail for a
// reason outside the process.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "embed/circuit_breaker.h"
#include "embed/embedder.h"

namespace memoryd {

enum class EmbedderCondition { kOk, kUnreachable, kTimingOut, kWrongDimension, kFailing };

// "ok", "unreachable", "timing_out", "wrong_dimension", "failing".
std::string_view ConditionName(EmbedderCondition condition);

struct ChannelHealth {
  EmbedderCondition condition = EmbedderCondition::kOk;
  bool paused = false;     // the breaker is open: no call goes out until it is probed
  std::string last_error;  // of the last failed call (kept after recovery, for the operator)
  int64_t since_ms = 0;    // wall time the current condition began (0 while ok)
  int64_t failures = 0;    // failed calls since the last success
};

struct EmbedderHealth {
  std::string name;
  int dimension = 0;
  ChannelHealth searches;
  ChannelHealth writes;
  int64_t pending = 0;  // memories waiting for their vector (as last counted)
  bool ok() const {
    return searches.condition == EmbedderCondition::kOk &&
           writes.condition == EmbedderCondition::kOk;
  }
  // The worse of the two conditions (writes first on a tie).
  EmbedderCondition condition() const;
  // One sentence for an operator; empty when ok().
  std::string Reason() const;
};

struct QueryEmbedding {
  Vector vector;         // empty when degraded
  std::string degraded;  // why the search answers from words alone; empty when it does not
};

struct EmbedderGuardOptions {
  std::chrono::milliseconds query_timeout{1000};
  std::chrono::milliseconds write_timeout{30000};
  int write_retries = 2;
  BreakerOptions breaker;
};

class EmbedderGuard {
 public:
  using Log = std::function<void(const std::string&)>;
  // `log` receives whole lines (without the newline); by default they go to stderr.
  EmbedderGuard(Embedder& embedder, EmbedderGuardOptions options, const Clock& clock,
                Log log = nullptr);

  // The query's vector within the query deadline, or none and why.
  QueryEmbedding EmbedQuery(const std::string& text);
  // Vectors for memories being stored. kUnavailable without any call while the writes channel
  // is paused; otherwise the embedder's answer.
  Result<std::vector<Vector>> EmbedForStore(const std::vector<std::string>& texts);
  // Whether EmbedForStore would call the embedder now (a paused channel whose back-off has
  // passed says yes: that call is the probe).
  bool WritesAllowed() const;
  // Probes the searches channel with a short text when its last call failed and its breaker
  // lets a call out (at once while closed, after the back-off while open). Call from a
  // background thread, about once a second.
  void ProbeIfDue();

  EmbedderHealth Health() const;
  void SetPending(int64_t pending) { pending_ = pending; }
  // Aborts calls in flight and answers every later query as degraded at once. For shutdown.
  void Shutdown();

  bool InProcess() const { return embedder_.InProcess(); }
  Embedder& embedder() { return embedder_; }

 private:
  struct Channel {
    const char* what;  // "searches" or "embeddings of new memories"
    CircuitBreaker breaker;
    ChannelHealth health;
    bool logged_open = false;
    int64_t last_log_ms = 0;
  };

  Result<std::vector<Vector>> Call(Channel& channel, const std::vector<std::string>& texts,
                                   const EmbedBudget& budget);
  void Report(Channel& channel, const Status& outcome);  // REQUIRES: mu_ held
  void Emit(const std::string& line);
  std::string QueryDegradedReason() const;  // REQUIRES: mu_ held

  Embedder& embedder_;
  const EmbedderGuardOptions options_;
  const Clock& clock_;
  const Log log_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> pending_{0};
  mutable std::mutex mu_;
  Channel searches_;  // guarded by mu_
  Channel writes_;    // guarded by mu_
};

}  // namespace memoryd
