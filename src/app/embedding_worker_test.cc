#include "app/embedding_worker.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "store/store_contract_fixture.h"
#include "text/analyzer.h"

namespace memoryd {
namespace {

using store_test::kNow;
using store_test::kSpace;
using store_test::Write;

// An endpoint-like embedder: refuses any call holding a text with "poison" (kInternal, as a
// 400 answer is), or every call while `down`.
class PickyEmbedder final : public Embedder {
 public:
  std::string Name() const override { return "picky"; }
  int Dimension() const override { return 2; }
  Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) override {
    std::lock_guard lock(mu);
    ++calls;
    if (down) return Status::Unavailable("connection refused");
    if (refuse_all) return Status::TooLarge("answered 400: bad request");
    for (const auto& t : texts) {
      if (t.find("poison") != std::string::npos) return Status::TooLarge("answered 400");
    }
    return std::vector<Vector>(texts.size(), Vector{0.6f, 0.8f});
  }
  std::mutex mu;
  bool down = false;
  bool refuse_all = false;
  int calls = 0;
};

class EmbeddingWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbedderGuardOptions options;
    options.breaker.initial_backoff_ms = 60'000;  // an open breaker stays open in the test
    guard_ = std::make_unique<EmbedderGuard>(embedder_, options, clock_, [](const std::string&) {});
    engine_ =
        SearchEngine::Open(store_, embedder_, text::TextAnalyzer::Create().value(), {}).value();
  }
  int64_t Put(const std::string& key, const std::string& text) {
    auto put = store_.Put(kSpace, Write(key, text), WriteLimits{}, kNow);
    EXPECT_TRUE(put.ok());
    return put.ok() ? put->memory.seq : 0;
  }
  int64_t Pending() { return store_.CountStaleEmbeddings("picky").value(); }
  std::vector<IndexRecord> Records() {
    std::vector<IndexRecord> records;
    EXPECT_TRUE(store_
                    .ScanIndex(0,
                               [&](IndexRecord&& r) {
                                 records.push_back(std::move(r));
                                 return Status::Ok();
                               })
                    .ok());
    return records;
  }
  bool WaitFor(const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  InMemoryStore store_;
  PickyEmbedder embedder_;
  SystemClock clock_;
  std::unique_ptr<EmbedderGuard> guard_;
  std::unique_ptr<SearchEngine> engine_;
};

TEST_F(EmbeddingWorkerTest, EmbedsWhatIsPendingAndMarksATextTheEndpointRefuses) {
  for (int i = 0; i < 4; ++i) Put("k" + std::to_string(i), "note " + std::to_string(i));
  const int64_t poison = Put("bad", "a poison text the endpoint refuses");
  EmbeddingWorker worker(store_, *guard_, *engine_, std::chrono::milliseconds(20));
  worker.Wake();
  ASSERT_TRUE(WaitFor([&] { return Pending() == 0; })) << Pending() << " still pending";
  const std::vector<IndexRecord> records = Records();
  ASSERT_EQ(records.size(), 5u);
  for (const IndexRecord& r : records) {
    EXPECT_EQ(r.embedder, "picky");
    EXPECT_EQ(r.embedding.empty(), r.seq == poison) << "seq " << r.seq;
  }
  EXPECT_TRUE(WaitFor([&] { return worker.pending() == 0; }));
}

TEST_F(EmbeddingWorkerTest, ALoneRefusedTextIsMarkedAndTheQueueMovesOn) {
  const int64_t poison = Put("bad", "poison alone at the head of the queue");
  EmbeddingWorker worker(store_, *guard_, *engine_, std::chrono::milliseconds(20));
  ASSERT_TRUE(WaitFor([&] { return Pending() == 0; })) << "the refused text blocked the queue";
  Put("next", "written after it");
  worker.Wake();
  ASSERT_TRUE(WaitFor([&] { return Pending() == 0; }));
  EXPECT_TRUE(guard_->Health().ok());
  const std::vector<IndexRecord> records = Records();
  ASSERT_EQ(records.size(), 2u);
  for (const IndexRecord& r : records) EXPECT_EQ(r.embedding.empty(), r.seq == poison);
}

TEST_F(EmbeddingWorkerTest, AnEndpointThatRefusesEverythingMarksNothing) {
  {
    std::lock_guard lock(embedder_.mu);
    embedder_.refuse_all = true;
  }
  Put("a", "an ordinary text");
  EmbeddingWorker worker(store_, *guard_, *engine_, std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Pending(), 1) << "a misconfigured endpoint must not mark texts refused";
}

TEST_F(EmbeddingWorkerTest, SendsNothingMoreOnceTheEndpointIsKnownDown) {
  {
    std::lock_guard lock(embedder_.mu);
    embedder_.down = true;
  }
  for (int i = 0; i < 3; ++i) Put("k" + std::to_string(i), "note");
  EmbeddingWorker worker(store_, *guard_, *engine_, std::chrono::milliseconds(20));
  ASSERT_TRUE(WaitFor([&] { return guard_->Health().writes.paused; }));
  int calls = 0;
  {
    std::lock_guard lock(embedder_.mu);
    calls = embedder_.calls;
  }
  for (int i = 0; i < 10; ++i) {
    Put("more" + std::to_string(i), "written while the endpoint is down");
    worker.Wake();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard lock(embedder_.mu);
  EXPECT_EQ(embedder_.calls, calls) << "a paused channel sends nothing until its probe is due";
  EXPECT_EQ(Pending(), 13);
}

}  // namespace
}  // namespace memoryd
