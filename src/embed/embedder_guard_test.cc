#include "embed/embedder_guard.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

namespace memoryd {
namespace {

// An embedder outside the process whose answers the test scripts: each call takes the next
// queued Status (kOk gives one vector per text); with none queued it answers `fallback`.
class ScriptedEmbedder final : public Embedder {
 public:
  std::string Name() const override { return "scripted"; }
  int Dimension() const override { return 2; }
  Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) override {
    return EmbedWithin(texts, EmbedBudget{});
  }
  Result<std::vector<Vector>> EmbedWithin(const std::vector<std::string>& texts,
                                          const EmbedBudget& budget) override {
    std::lock_guard lock(mu_);
    ++calls;
    last_budget = budget;
    Status s = fallback;
    if (!script.empty()) {
      s = script.front();
      script.pop_front();
    }
    if (!s.ok()) return s;
    return std::vector<Vector>(texts.size(), Vector{1, 0});
  }
  void Cancel() override { cancelled = true; }

  std::mutex mu_;
  std::deque<Status> script;
  Status fallback = Status::Ok();
  int calls = 0;
  EmbedBudget last_budget;
  bool cancelled = false;
};

class EmbedderGuardTest : public ::testing::Test {
 protected:
  EmbedderGuardTest()
      : guard_(embedder_, Options(), clock_,
               [this](const std::string& line) { lines_.push_back(line); }) {}

  static EmbedderGuardOptions Options() {
    EmbedderGuardOptions o;
    o.query_timeout = std::chrono::milliseconds(250);
    o.breaker.failure_threshold = 3;
    o.breaker.initial_backoff_ms = 1000;
    o.breaker.max_backoff_ms = 8000;
    return o;
  }

  ScriptedEmbedder embedder_;
  FakeClock clock_;
  std::vector<std::string> lines_;
  EmbedderGuard guard_;
};

TEST_F(EmbedderGuardTest, AHealthyQueryGetsItsVectorWithinTheQueryBudgetAndNoRetries) {
  const auto before = std::chrono::steady_clock::now();
  QueryEmbedding q = guard_.EmbedQuery("hello");
  EXPECT_EQ(q.degraded, "");
  EXPECT_EQ(q.vector, (Vector{1, 0}));
  EXPECT_EQ(embedder_.last_budget.max_retries, 0);
  EXPECT_LE(embedder_.last_budget.deadline, before + std::chrono::milliseconds(5000));
  EXPECT_GE(embedder_.last_budget.deadline, before + std::chrono::milliseconds(250));
  EXPECT_TRUE(guard_.Health().ok());
  EXPECT_TRUE(lines_.empty());
}

TEST_F(EmbedderGuardTest, TimeoutsDegradeSearchesThenTheBreakerSkipsTheEndpoint) {
  embedder_.fallback = Status::DeadlineExceeded("endpoint did not answer within 250 ms");
  for (int i = 0; i < 3; ++i) {
    QueryEmbedding q = guard_.EmbedQuery("q");
    EXPECT_TRUE(q.vector.empty());
    EXPECT_NE(q.degraded.find("not answering in time"), std::string::npos) << q.degraded;
  }
  EXPECT_EQ(embedder_.calls, 3);
  // Open: 100 more searches answer at once, without a call.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(guard_.EmbedQuery("q").degraded.empty());
  EXPECT_EQ(embedder_.calls, 3);
  EmbedderHealth h = guard_.Health();
  EXPECT_FALSE(h.ok());
  EXPECT_EQ(h.condition(), EmbedderCondition::kTimingOut);
  EXPECT_TRUE(h.searches.paused);
  EXPECT_EQ(h.searches.failures, 3);
  EXPECT_EQ(h.writes.condition, EmbedderCondition::kOk) << "the channels are separate";
  EXPECT_NE(h.Reason().find("searches match by words only"), std::string::npos) << h.Reason();
  ASSERT_EQ(lines_.size(), 1u) << "one line when the breaker opens";
  EXPECT_NE(lines_[0].find("searches paused"), std::string::npos) << lines_[0];
}

TEST_F(EmbedderGuardTest, TheProbeFindsRecoveryWithoutTraffic) {
  embedder_.fallback = Status::Unavailable("connection refused");
  for (int i = 0; i < 3; ++i) (void)guard_.EmbedQuery("q");
  guard_.ProbeIfDue();
  EXPECT_EQ(embedder_.calls, 3) << "no probe before the back-off has passed";
  clock_.AdvanceMillis(1000);
  embedder_.fallback = Status::Ok();
  guard_.ProbeIfDue();
  EXPECT_EQ(embedder_.calls, 4);
  EXPECT_TRUE(guard_.Health().ok());
  EXPECT_EQ(guard_.EmbedQuery("q").degraded, "");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[1].find("healthy again after 3 failed calls"), std::string::npos) << lines_[1];
}

TEST_F(EmbedderGuardTest, ARepeatedFailureIsLoggedOnceThenSummarised) {
  embedder_.fallback = Status::Unavailable("connection refused");
  for (int i = 0; i < 3; ++i) (void)guard_.EmbedForStore({"a"});
  // Probes fail for a long while: a line only every five minutes.
  for (int i = 0; i < 200; ++i) {
    clock_.AdvanceMillis(8000);
    ASSERT_TRUE(guard_.WritesAllowed());
    (void)guard_.EmbedForStore({"a"});
  }
  // 1600 s: the opening line and five summaries.
  EXPECT_EQ(lines_.size(), 6u);
  EXPECT_NE(lines_.back().find("still paused"), std::string::npos) << lines_.back();
  EXPECT_EQ(guard_.Health().writes.condition, EmbedderCondition::kUnreachable);
}

TEST_F(EmbedderGuardTest, AWrongDimensionPausesWritesForTheLongestBackoffWithAClearMessage) {
  embedder_.fallback = Status::InvalidArgument("returned a vector of dimension 256, expected 128");
  EXPECT_FALSE(guard_.EmbedForStore({"a", "b"}).ok());
  EXPECT_FALSE(guard_.WritesAllowed()) << "lasting: no second try at once";
  clock_.AdvanceMillis(7999);
  EXPECT_FALSE(guard_.WritesAllowed());
  clock_.AdvanceMillis(1);
  EXPECT_TRUE(guard_.WritesAllowed());
  EmbedderHealth h = guard_.Health();
  EXPECT_EQ(h.condition(), EmbedderCondition::kWrongDimension);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("dimension 256, expected 128"), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("--embed-dimension"), std::string::npos) << lines_[0];
}

TEST_F(EmbedderGuardTest, ARefusedInputIsAnAnswerNotAnOutage) {
  embedder_.fallback = Status::Unavailable("connection refused");
  for (int i = 0; i < 3; ++i) (void)guard_.EmbedForStore({"a"});
  clock_.AdvanceMillis(1000);
  embedder_.fallback = Status::TooLarge("answered 413: input too long");
  ASSERT_TRUE(guard_.WritesAllowed());
  EXPECT_EQ(guard_.EmbedForStore({"a very long text"}).status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(guard_.Health().ok()) << "the probe was answered: the endpoint is back";
  EXPECT_TRUE(guard_.WritesAllowed());
  for (int i = 0; i < 10; ++i) (void)guard_.EmbedForStore({"another long text"});
  EXPECT_TRUE(guard_.WritesAllowed()) << "refusals never open the breaker";
}

TEST_F(EmbedderGuardTest, ShutdownCancelsAndDegradesEveryLaterQueryWithoutACall) {
  guard_.Shutdown();
  EXPECT_TRUE(embedder_.cancelled);
  EXPECT_FALSE(guard_.EmbedQuery("q").degraded.empty());
  EXPECT_FALSE(guard_.EmbedForStore({"a"}).ok());
  EXPECT_EQ(embedder_.calls, 0);
}

TEST(EmbedderHealthTest, TheWorseConditionAndAReasonNamingThePending) {
  EmbedderHealth h;
  EXPECT_TRUE(h.ok());
  EXPECT_EQ(h.Reason(), "");
  h.searches.condition = EmbedderCondition::kTimingOut;
  h.writes.condition = EmbedderCondition::kUnreachable;
  h.writes.last_error = "connection refused";
  h.pending = 12;
  EXPECT_EQ(h.condition(), EmbedderCondition::kUnreachable);
  EXPECT_EQ(ConditionName(h.condition()), "unreachable");
  EXPECT_NE(h.Reason().find("12 memories wait for their vector"), std::string::npos);
  EXPECT_NE(h.Reason().find("connection refused"), std::string::npos);
}

}  // namespace
}  // namespace memoryd
