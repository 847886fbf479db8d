// The two cursors of SearchEngine: the keyword halves follow at once, the vector graphs behind,
// and a search never waits for the graphs (search_engine.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "embed/builtin_embedder.h"
#include "search/search_engine.h"
#include "store/sql_store.h"
#include "store/store_test_util.h"
#include "text/analyzer.h"

namespace memoryd {
namespace {

using store_test::TempDir;

constexpr int64_t kNow = 1'800'000'000'000;

class SearchEngineBacklogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqlStore::Open({dir_.path() + "/memoryd.db", false, 4});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto embedder = BuiltinEmbedder::Create();
    ASSERT_TRUE(embedder.ok());
    embedder_ = std::move(embedder).value();
    auto analyzer = text::TextAnalyzer::Create();
    ASSERT_TRUE(analyzer.ok());
    auto engine = SearchEngine::Open(*store_, *embedder_, *analyzer, {});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  int64_t Put(const std::string& key, const std::string& text) {
    MemoryWrite w;
    w.key = key;
    w.text = text;
    w.embedding = embedder_->EmbedOne(text);
    w.embedder = embedder_->Name();
    auto out = store_->Put({kDefaultAccountId, "s"}, w, {}, kNow);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    engine_->NoteWrite();
    return out.ok() ? out->memory.seq : -1;
  }

  int64_t SpaceId() { return store_->FindSpaceId({kDefaultAccountId, "s"}).value().value(); }

  // A search by meaning only: the query's words are in no memory, its vector is that of `text`.
  std::vector<EngineHit> ByMeaning(const std::string& text) {
    return engine_->Search(SpaceId(), "qqqzzz", embedder_->EmbedOne(text), 10, nullptr, kNow);
  }

  TempDir dir_;
  std::unique_ptr<SqlStore> store_;
  std::unique_ptr<BuiltinEmbedder> embedder_;
  std::unique_ptr<SearchEngine> engine_;
};

TEST_F(SearchEngineBacklogTest, AMemoryTheGraphDoesNotHoldYetIsFoundByMeaning) {
  const int64_t seq = Put("a", "the ferry to the island leaves at noon");
  ASSERT_TRUE(engine_->CatchUpIfWritten().ok());  // what a search does: the keyword halves only
  EXPECT_EQ(engine_->Stats().vectors, 0u);
  EXPECT_LT(engine_->Stats().graph_version, engine_->Stats().applied_version);
  auto hits = ByMeaning("the ferry to the island leaves at noon");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].seq, seq);
  EXPECT_EQ(hits[0].keyword, 0.0f);
  EXPECT_GT(hits[0].vector, 0.9f);

  ASSERT_TRUE(engine_->BuildVectors().value());
  EXPECT_EQ(engine_->Stats().vectors, 1u);
  EXPECT_EQ(engine_->Stats().graph_version, engine_->Stats().applied_version);
  hits = ByMeaning("the ferry to the island leaves at noon");
  ASSERT_EQ(hits.size(), 1u);  // once, from the graph now
  EXPECT_EQ(hits[0].seq, seq);
  EXPECT_FALSE(engine_->BuildVectors().value());  // nothing left
}

TEST_F(SearchEngineBacklogTest, ARewriteReplacesTheGraphsOlderVector) {
  const int64_t seq = Put("a", "violin lessons on tuesday evenings");
  ASSERT_TRUE(engine_->CatchUp().ok());
  Put("a", "buy sourdough flour and yeast");  // same key: the same memory, a new vector
  ASSERT_TRUE(engine_->CatchUpIfWritten().ok());
  auto hits = ByMeaning("buy sourdough flour and yeast");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].seq, seq);
  EXPECT_GT(hits[0].vector, 0.9f);  // the new vector's similarity, not the graph's old one
}

TEST_F(SearchEngineBacklogTest, AMemoryDeletedBeforeTheGraphCaughtUpIsNotFound) {
  const int64_t gone = Put("a", "the plumber comes on friday morning");
  Put("b", "dentist appointment next thursday");
  ASSERT_TRUE(engine_->CatchUp().ok());
  ASSERT_TRUE(store_->DeleteByKey({kDefaultAccountId, "s"}, "a", kNow).value());
  engine_->NoteWrite();
  ASSERT_TRUE(engine_->CatchUpIfWritten().ok());
  EXPECT_EQ(engine_->Stats().vectors, 2u);  // the graph still holds it
  for (const EngineHit& hit : ByMeaning("the plumber comes on friday morning")) {
    EXPECT_NE(hit.seq, gone) << "a deleted memory came back from the graph";
  }
  ASSERT_TRUE(engine_->CatchUp().ok());
  EXPECT_EQ(engine_->Stats().vectors, 1u);
}

TEST_F(SearchEngineBacklogTest, ARewriteWithoutAVectorHidesTheGraphsOldOne) {
  const int64_t seq = Put("a", "violin lessons on tuesday evenings");
  ASSERT_TRUE(engine_->CatchUp().ok());
  MemoryWrite w;  // the same memory rewritten, its new vector not made yet (an endpoint embedder)
  w.key = "a";
  w.text = "buy sourdough flour and yeast";
  ASSERT_TRUE(store_->Put({kDefaultAccountId, "s"}, w, {}, kNow).ok());
  engine_->NoteWrite();
  ASSERT_TRUE(engine_->CatchUpIfWritten().ok());
  EXPECT_EQ(engine_->Stats().vectors, 1u);  // the graph still holds the old vector
  for (const EngineHit& hit : ByMeaning("violin lessons on tuesday evenings")) {
    EXPECT_NE(hit.seq, seq) << "matched by the vector of text it no longer has";
  }
  ASSERT_TRUE(engine_->CatchUp().ok());
  EXPECT_EQ(engine_->Stats().vectors, 0u);
}

// A store whose removal history was pruned (a day old) cannot replay the feed from 0: the graphs
// are rebuilt from one scan of the stored embeddings instead.
TEST_F(SearchEngineBacklogTest, GraphsAreRebuiltFromAScanWhenTheFeedWasPruned) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t kept = Put("a", "the ferry to the island leaves at noon");
  Put("b", "dentist appointment next thursday");
  ASSERT_TRUE(store_->DeleteByKey({kDefaultAccountId, "s"}, "b", now).value());
  ASSERT_TRUE(store_->PurgeExpired(now + 24LL * 3600 * 1000 + 60'000).ok());
  ASSERT_FALSE(store_->ChangesSince(0, 10).value().complete);
  auto analyzer = text::TextAnalyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  auto reopened = SearchEngine::Open(*store_, *embedder_, *analyzer, {});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  const EngineStats stats = (*reopened)->Stats();
  EXPECT_EQ(stats.vectors, 1u);
  EXPECT_EQ(stats.graph_version, stats.applied_version);
  auto hits = (*reopened)->Search(SpaceId(), "qqqzzz",
                                  embedder_->EmbedOne("the ferry to the island leaves at noon"), 10,
                                  nullptr, kNow);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].seq, kept);
  EXPECT_FALSE((*reopened)->BuildVectors().value());  // up to date: nothing left
}

TEST_F(SearchEngineBacklogTest, TheGraphsCatchUpInParallelBatches) {
  SideRunner helpers(1);
  const ParallelRun run = [&](const std::function<void()>& task) { helpers.RunEverywhere(task); };
  std::vector<int64_t> seqs;
  for (int i = 0; i < 300; ++i) {
    seqs.push_back(Put("k" + std::to_string(i), "note number " + std::to_string(i) +
                                                    " about topic " + std::to_string(i % 17)));
  }
  ASSERT_TRUE(engine_->CatchUpText().ok());
  while (engine_->BuildVectors(run).value()) {
  }
  EXPECT_EQ(engine_->Stats().vectors, 300u);
  const auto hits = ByMeaning("note number 123 about topic 4");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].seq, seqs[123]);
}

// Writers, the follower, the vector builder (two threads) and searchers at once: every memory a
// writer finished is found by words by the search that follows it, and nothing races (TSan runs
// this).
TEST_F(SearchEngineBacklogTest, WritersFollowerBuilderAndSearchers) {
  std::atomic<bool> stop{false};
  std::thread follower(
      [&] { engine_->RunFollower(std::chrono::milliseconds(5), stop, [](const Status&) {}); });
  std::thread builder([&] {
    engine_->RunVectorBuilder(2, std::chrono::milliseconds(5), stop, [](const Status&) {});
  });
  std::atomic<int> missed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 40; ++i) {
        const std::string word = "token" + std::to_string(w) + "x" + std::to_string(i);
        Put(word, "note about " + word);
        if (!engine_->CatchUpIfWritten().ok()) ++missed;
        const auto hits =
            engine_->Search(SpaceId(), word, embedder_->EmbedOne(word), 5, nullptr, kNow);
        if (hits.empty() || hits[0].keyword <= 0) ++missed;
      }
    });
  }
  for (auto& t : writers) t.join();
  for (int i = 0; i < 2000 && engine_->Stats().vectors < 80; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  engine_->WakeFollower();
  follower.join();
  builder.join();
  EXPECT_EQ(missed.load(), 0);
  EXPECT_EQ(engine_->Stats().documents, 80u);
  EXPECT_EQ(engine_->Stats().vectors, 80u);
}

// Another process's write, announced (as a node's LISTEN hears it), is indexed at once rather than
// at the follower's next poll, here a minute away.
TEST_F(SearchEngineBacklogTest, AForeignWriteAnnouncedWakesTheFollower) {
  std::atomic<bool> stop{false};
  std::thread follower(
      [&] { engine_->RunFollower(std::chrono::minutes(1), stop, [](const Status&) {}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the follower waits
  MemoryWrite w;
  w.key = "elsewhere";
  w.text = "written by another process";
  ASSERT_TRUE(store_->Put({kDefaultAccountId, "s"}, w, {}, kNow).ok());  // no NoteWrite
  engine_->NoteForeignWrite();
  bool found = false;
  for (int i = 0; i < 1000 && !found; ++i) {  // 10 s: generous for a loaded machine
    found = engine_->Stats().documents == 1;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  engine_->WakeFollower();
  follower.join();
  EXPECT_TRUE(found) << "the announced write was not indexed before the next poll";
}

}  // namespace
}  // namespace memoryd
