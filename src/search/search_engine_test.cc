#include "search/search_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "embed/builtin_embedder.h"
#include "store/sql_store.h"
#include "store/store_test_util.h"
#include "text/analyzer.h"

namespace memoryd {
namespace {

using store_test::TempDir;

constexpr int64_t kNow = 1'800'000'000'000;

class SearchEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = Open();
    auto embedder = BuiltinEmbedder::Create();
    ASSERT_TRUE(embedder.ok());
    embedder_ = std::move(embedder).value();
    auto analyzer = text::TextAnalyzer::Create();
    ASSERT_TRUE(analyzer.ok());
    analyzer_ = *analyzer;
  }

  std::unique_ptr<SqlStore> Open() {
    auto store = SqlStore::Open({dir_.path() + "/memoryd.db", false, 4});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<SearchEngine> Engine(Store& store) {
    SearchEngineOptions options;
    options.index_dir = dir_.path() + "/index";
    auto engine = SearchEngine::Open(store, *embedder_, analyzer_, options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  // Stores a memory with its embedding; returns its sequence number.
  int64_t Put(Store& store, const std::string& space, const std::string& key,
              const std::string& text, std::optional<int64_t> expires_at = {}) {
    MemoryWrite w;
    w.key = key;
    w.text = text;
    w.expires_at = expires_at;
    w.embedding = embedder_->EmbedOne(key + "\n" + text);
    w.embedder = embedder_->Name();
    auto out = store.Put({kDefaultAccountId, space}, w, {}, kNow);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->memory.seq : -1;
  }

  int64_t SpaceId(Store& store, const std::string& space) {
    auto id = store.FindSpaceId({kDefaultAccountId, space});
    return id.ok() && *id ? **id : -1;
  }

  std::vector<int64_t> Find(const SearchEngine& engine, int64_t space_id, const std::string& q,
                            const std::unordered_set<uint64_t>* allowed = nullptr,
                            int64_t now = kNow) {
    std::vector<int64_t> seqs;
    for (const auto& hit : engine.Search(space_id, q, embedder_->EmbedOne(q), 10, allowed, now)) {
      EXPECT_GE(hit.score, 0.0f);
      EXPECT_LE(hit.score, 1.0f);
      seqs.push_back(hit.seq);
    }
    return seqs;
  }

  TempDir dir_;
  std::unique_ptr<SqlStore> store_;
  std::unique_ptr<BuiltinEmbedder> embedder_;
  std::shared_ptr<const text::TextAnalyzer> analyzer_;
};

TEST_F(SearchEngineTest, FollowsWritesAndDeletes) {
  auto engine = Engine(*store_);
  ASSERT_TRUE(engine);
  const int64_t cat = Put(*store_, "s", "pets", "We adopted a grey cat named Miso");
  Put(*store_, "s", "car", "The car needs new tyres before winter");
  ASSERT_TRUE(engine->CatchUp().ok());
  const int64_t space = SpaceId(*store_, "s");
  auto found = Find(*engine, space, "cat named Miso");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front(), cat);
  ASSERT_TRUE(store_->DeleteByKey({kDefaultAccountId, "s"}, "pets", kNow).value());
  ASSERT_TRUE(engine->CatchUp().ok());
  found = Find(*engine, space, "cat named Miso");
  EXPECT_EQ(std::count(found.begin(), found.end(), cat), 0);
  EXPECT_EQ(engine->Stats().documents, 1u);
  EXPECT_EQ(engine->Stats().vectors, 1u);
}

TEST_F(SearchEngineTest, ExactCopyScoresNearOneAndUnknownSpaceIsEmpty) {
  auto engine = Engine(*store_);
  Put(*store_, "s", "k", "Deploy pipeline uses GitHub Actions");
  ASSERT_TRUE(engine->CatchUp().ok());
  const std::string q = "k\nDeploy pipeline uses GitHub Actions";
  auto hits = engine->Search(SpaceId(*store_, "s"), q, embedder_->EmbedOne(q), 5, nullptr, kNow);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_GE(hits.front().score, 0.95f);
  EXPECT_TRUE(engine->Search(12345, q, embedder_->EmbedOne(q), 5, nullptr, kNow).empty());
}

TEST_F(SearchEngineTest, SeesWritesOfAnotherConnectionToTheSameDatabase) {
  auto other = Open();  // stands for another process on the same data directory
  ASSERT_TRUE(other);
  auto engine = Engine(*store_);
  const int64_t seq = Put(*other, "s", "tea", "Oolong tea tastes of peaches");
  ASSERT_TRUE(engine->CatchUp().ok());
  auto found = Find(*engine, SpaceId(*store_, "s"), "oolong tea");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front(), seq);
}

TEST_F(SearchEngineTest, ExpiredAndFilteredMemoriesAreNotReturned) {
  auto engine = Engine(*store_);
  const int64_t soon = Put(*store_, "s", "a", "apple pie recipe", kNow + 1000);
  const int64_t kept = Put(*store_, "s", "b", "apple crumble recipe");
  ASSERT_TRUE(engine->CatchUp().ok());
  const int64_t space = SpaceId(*store_, "s");
  auto before = Find(*engine, space, "apple recipe", nullptr, kNow);
  EXPECT_EQ(before.size(), 2u);
  auto after = Find(*engine, space, "apple recipe", nullptr, kNow + 1000);
  EXPECT_EQ(after, std::vector<int64_t>{kept});
  const std::unordered_set<uint64_t> only{static_cast<uint64_t>(soon)};
  EXPECT_EQ(Find(*engine, space, "apple recipe", &only, kNow), std::vector<int64_t>{soon});
}

TEST_F(SearchEngineTest, ReopensFromSavedIndexAndAppliesLaterChanges) {
  int64_t gone = 0;
  int64_t later = 0;
  {
    auto engine = Engine(*store_);
    Put(*store_, "s", "a", "the lighthouse keeper paints watercolours");
    gone = Put(*store_, "s", "b", "the lighthouse lamp was replaced in May");
    ASSERT_TRUE(engine->CatchUp().ok());
    ASSERT_TRUE(engine->Save().ok());
  }
  ASSERT_TRUE(std::filesystem::exists(dir_.path() + "/index/state"));
  // Changes after the save: one deletion, one new memory.
  ASSERT_TRUE(store_->DeleteByKey({kDefaultAccountId, "s"}, "b", kNow).value());
  later = Put(*store_, "s", "c", "a lighthouse tour for the children");
  auto engine = Engine(*store_);
  EXPECT_TRUE(engine->Stats().resumed);
  auto found = Find(*engine, SpaceId(*store_, "s"), "lighthouse");
  EXPECT_EQ(found.size(), 2u);
  EXPECT_EQ(std::count(found.begin(), found.end(), gone), 0);
  EXPECT_EQ(std::count(found.begin(), found.end(), later), 1);
  EXPECT_EQ(engine->Stats().vectors, 2u);
  EXPECT_EQ(engine->Stats().documents, 2u);
}

// The keyword indexes and expiry times come back from the saved files: the reopened engine
// answers exactly as before (same memories, same scores) without re-reading the text.
TEST_F(SearchEngineTest, ResumesKeywordIndexesAndExpiryFromTheSave) {
  const std::vector<std::string> queries = {"garden tomatoes", "When is the concert?",
                                            "guitar practice", "tomato soup recipe"};
  std::vector<std::vector<EngineHit>> before;
  int64_t space = 0;
  int64_t expiring = 0;
  {
    auto engine = Engine(*store_);
    Put(*store_, "s", "a", "I planted tomatoes in the garden on Sunday");
    Put(*store_, "s", "b", "The tomatoes need watering every morning");
    expiring = Put(*store_, "s", "c", "Guitar practice before the concert", kNow + 5000);
    Put(*store_, "s", "d", "The concert is on the 14th at the old theatre");
    Put(*store_, "t", "e", "Tomato soup recipe from grandma");
    ASSERT_TRUE(engine->CatchUp().ok());
    space = SpaceId(*store_, "s");
    for (const auto& q : queries) {
      before.push_back(engine->Search(space, q, embedder_->EmbedOne(q), 10, nullptr, kNow));
    }
    ASSERT_TRUE(engine->Save().ok());
  }
  ASSERT_TRUE(
      std::filesystem::exists(dir_.path() + "/index/space-" + std::to_string(space) + ".text"));
  auto engine = Engine(*store_);
  ASSERT_TRUE(engine);
  EXPECT_TRUE(engine->Stats().resumed);
  EXPECT_EQ(engine->Stats().documents, 5u);
  for (size_t i = 0; i < queries.size(); ++i) {
    const auto after =
        engine->Search(space, queries[i], embedder_->EmbedOne(queries[i]), 10, nullptr, kNow);
    ASSERT_EQ(after.size(), before[i].size()) << queries[i];
    for (size_t j = 0; j < after.size(); ++j) {
      EXPECT_EQ(after[j].seq, before[i][j].seq) << queries[i];
      EXPECT_EQ(after[j].score, before[i][j].score) << queries[i];
    }
  }
  auto found = Find(*engine, space, "guitar concert", nullptr, kNow + 5000);
  EXPECT_EQ(std::count(found.begin(), found.end(), expiring), 0);  // expiry came back too
}

// A damaged keyword file, or one saved under another text analysis, means a rebuild from the
// store's text: the answers stay right.
TEST_F(SearchEngineTest, RebuildsWhenTheSavedKeywordIndexCannotBeUsed) {
  {
    auto engine = Engine(*store_);
    Put(*store_, "s", "a", "cello lessons on Thursday");
    ASSERT_TRUE(engine->CatchUp().ok());
    ASSERT_TRUE(engine->Save().ok());
  }
  const std::string file =
      dir_.path() + "/index/space-" + std::to_string(SpaceId(*store_, "s")) + ".text";
  ASSERT_TRUE(std::filesystem::exists(file));
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(44);
    f.put('\x7f');
  }
  Put(*store_, "s", "b", "cello strings ordered");
  auto engine = Engine(*store_);
  ASSERT_TRUE(engine);
  EXPECT_FALSE(engine->Stats().resumed);
  EXPECT_EQ(engine->Stats().documents, 2u);
  EXPECT_EQ(Find(*engine, SpaceId(*store_, "s"), "cello").size(), 2u);
  ASSERT_TRUE(engine->Save().ok());  // the rebuilt indexes are saved whole again
  engine.reset();
  engine = Engine(*store_);
  EXPECT_TRUE(engine->Stats().resumed);
  EXPECT_EQ(Find(*engine, SpaceId(*store_, "s"), "cello").size(), 2u);

  // Another analysis (here: without stemming) cannot reuse the saved terms.
  text::AnalyzerOptions plain;
  plain.stemmer_language = "";
  auto other = text::TextAnalyzer::Create(plain);
  ASSERT_TRUE(other.ok());
  SearchEngineOptions options;
  options.index_dir = dir_.path() + "/index";
  auto unstemmed = SearchEngine::Open(*store_, *embedder_, *other, options);
  ASSERT_TRUE(unstemmed.ok());
  EXPECT_FALSE((*unstemmed)->Stats().resumed);
  EXPECT_EQ((*unstemmed)->Stats().documents, 2u);
}

// Two processes (`serve` and `mcp`) save into one index directory. A process must not leave a
// state file that names its newer version beside another process's older file of a space it
// did not change since its own last save.
TEST_F(SearchEngineTest, SavesOfTwoProcessesNeverLeaveAnOlderFileBehind) {
  Put(*store_, "s", "a", "the ferry leaves from pier four");
  auto other_store = Open();  // stands for the other process
  ASSERT_TRUE(other_store);
  auto a = Engine(*store_);
  auto b = Engine(*other_store);
  ASSERT_TRUE(a && b);
  const int64_t later = Put(*store_, "s", "b", "the ferry timetable changes in winter");
  ASSERT_TRUE(a->CatchUp().ok());
  ASSERT_TRUE(a->Save().ok());  // space s saved with both memories
  ASSERT_TRUE(b->Save().ok());  // b has not caught up: its file of s holds one memory
  ASSERT_TRUE(a->Save().ok());  // s is unchanged in a, but b's save replaced its file
  a.reset();
  b.reset();
  auto fresh = Engine(*store_);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->Stats().resumed);
  auto found = Find(*fresh, SpaceId(*store_, "s"), "ferry timetable winter");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front(), later);
  EXPECT_EQ(fresh->Stats().documents, 2u);
}

TEST_F(SearchEngineTest, RebuildsWhenTheSavedIndexIsCorrupt) {
  {
    auto engine = Engine(*store_);
    Put(*store_, "s", "a", "violin lessons on Tuesday");
    ASSERT_TRUE(engine->CatchUp().ok());
    ASSERT_TRUE(engine->Save().ok());
  }
  const std::string file =
      dir_.path() + "/index/space-" + std::to_string(SpaceId(*store_, "s")) + ".hnsw";
  ASSERT_TRUE(std::filesystem::exists(file));
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  auto engine = Engine(*store_);
  ASSERT_TRUE(engine);
  // The graph was rebuilt from the stored embeddings (a small backlog: at once, in Open).
  EXPECT_EQ(engine->Stats().vectors, 1u);
  EXPECT_EQ(engine->Stats().graph_version, engine->Stats().applied_version);
  EXPECT_EQ(Find(*engine, SpaceId(*store_, "s"), "violin").size(), 1u);
}

TEST_F(SearchEngineTest, DeletedSpaceLeavesNothingBehind) {
  auto engine = Engine(*store_);
  Put(*store_, "s", "a", "first note about gardening");
  Put(*store_, "s", "b", "second note about gardening");
  ASSERT_TRUE(engine->CatchUp().ok());
  const int64_t space = SpaceId(*store_, "s");
  ASSERT_EQ(store_->DeleteSpace({kDefaultAccountId, "s"}, kNow).value(), 2);
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_TRUE(Find(*engine, space, "gardening").empty());
  EXPECT_EQ(engine->Stats().documents, 0u);
}

TEST_F(SearchEngineTest, MemoriesWithoutUsableVectorsAreFoundByWords) {
  auto engine = Engine(*store_);
  MemoryWrite w;
  w.key = "k";
  w.text = "quarterly tax filing reminder";  // no embedding: made later in the background
  ASSERT_TRUE(store_->Put({kDefaultAccountId, "s"}, w, {}, kNow).ok());
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_EQ(Find(*engine, SpaceId(*store_, "s"), "tax filing").size(), 1u);
  EXPECT_EQ(engine->Stats().vectors, 0u);
}

// Writers note their writes, the follower indexes them, searchers catch up first: every memory a
// writer finished is found by the search that follows it, and nothing races (TSan runs this).
TEST_F(SearchEngineTest, ConcurrentWritersFollowerAndSearchers) {
  auto engine = Engine(*store_);
  ASSERT_TRUE(engine);
  std::atomic<bool> stop{false};
  std::thread follower(
      [&] { engine->RunFollower(std::chrono::milliseconds(5), stop, [](const Status&) {}); });
  std::atomic<int> missed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        const std::string word = "token" + std::to_string(w) + "x" + std::to_string(i);
        Put(*store_, "s", word, "note about " + word);
        engine->NoteWrite();
        if (!engine->CatchUpIfWritten().ok()) ++missed;
        const int64_t space = SpaceId(*store_, "s");
        const auto hits = engine->Search(space, word, embedder_->EmbedOne(word), 5, nullptr, kNow);
        if (hits.empty()) ++missed;
      }
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  engine->WakeFollower();
  follower.join();
  EXPECT_EQ(missed.load(), 0);
  EXPECT_EQ(engine->Stats().documents, 50u);
}

}  // namespace
}  // namespace memoryd
