// MemoryService's semantic operations against a real SqlStore and search engine.
#include <gtest/gtest.h>

#include <cmath>

#include "embed/builtin_embedder.h"
#include "search/search_engine.h"
#include "service/memory_service.h"
#include "store/sql_store.h"
#include "store/store_test_util.h"
#include "text/analyzer.h"

namespace memoryd {
namespace {

class SemanticServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto store = SqlStore::Open({dir_.path() + "/memoryd.db", false, 4});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    embedder_ = BuiltinEmbedder::Create().value();
    SearchEngineOptions options;
    options.index_dir = dir_.path() + "/index";
    engine_ = SearchEngine::Open(*store_, *embedder_, text::TextAnalyzer::Create().value(), options)
                  .value();
    service_ = std::make_unique<MemoryService>(*store_, clock_, ServiceOptions{});
    guard_ = std::make_unique<EmbedderGuard>(*embedder_, EmbedderGuardOptions{}, clock_);
    service_->AttachSearch(engine_.get(), guard_.get());
  }

  Memory Add(const std::string& space, const std::string& text, std::vector<std::string> tags = {},
             std::string metadata = "{}") {
    MemoryInput in;
    in.text = text;
    in.tags = std::move(tags);
    in.metadata_json = std::move(metadata);
    auto added = service_->Add({kDefaultAccountId, space}, std::move(in), false);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    clock_.AdvanceMillis(10);
    return added.ok() ? added->memory : Memory{};
  }

  std::vector<std::string> SearchTexts(const std::string& space, const std::string& q,
                                       SearchFilter filter = {}) {
    SearchQuery query;
    query.text = q;
    query.filter = std::move(filter);
    auto found = service_->Search({kDefaultAccountId, space}, query);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::string> texts;
    if (found.ok()) {
      EXPECT_EQ(found->degraded, "") << "the built-in embedder never degrades a search";
      for (const auto& r : found->results) texts.push_back(r.memory.text);
    }
    return texts;
  }

  store_test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  std::unique_ptr<SqlStore> store_;
  std::unique_ptr<BuiltinEmbedder> embedder_;
  std::unique_ptr<SearchEngine> engine_;
  std::unique_ptr<EmbedderGuard> guard_;
  std::unique_ptr<MemoryService> service_;
};

TEST_F(SemanticServiceTest, AddThenSearchFindsItBestFirst) {
  Add("p", "User prefers dark mode and Vim keybindings in all editors.");
  Add("p", "Deploy pipeline uses GitHub Actions");
  auto texts = SearchTexts("p", "Vim keybindings");
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.front(), "User prefers dark mode and Vim keybindings in all editors.");
  EXPECT_TRUE(SearchTexts("other", "Vim").empty());
}

TEST_F(SemanticServiceTest, SearchValidatesItsArguments) {
  SearchQuery q;
  q.text = "";
  EXPECT_EQ(service_->Search({1, "p"}, q).status().code(), StatusCode::kInvalidArgument);
  q.text = "x";
  for (int64_t bad : {0, 101, -1}) {
    q.top_k = bad;
    EXPECT_EQ(service_->Search({1, "p"}, q).status().code(), StatusCode::kInvalidArgument);
  }
  q.top_k = 5;
  q.filter.tags_any = {std::string("bad\ntag")};
  EXPECT_EQ(service_->Search({1, "p"}, q).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SemanticServiceTest, MinScoreLeavesOutWeakResultsAndNoResultScoresZero) {
  Add("p", "User prefers dark mode and Vim keybindings in all editors.");
  Add("p", "Lunch is usually at noon on weekdays.");
  Add("p", "The invoice archive is kept for seven years.");
  SearchQuery q;
  q.text = "Vim keybindings";
  q.top_k = 10;
  auto all = service_->Search({1, "p"}, q);
  ASSERT_TRUE(all.ok());
  ASSERT_FALSE(all->results.empty());
  for (const auto& r : all->results) EXPECT_GE(r.score, 0.0005) << r.memory.text;
  const double best = all->results.front().score;
  q.min_score = best;
  auto strong = service_->Search({1, "p"}, q);
  ASSERT_TRUE(strong.ok());
  ASSERT_FALSE(strong->results.empty());
  for (const auto& r : strong->results) EXPECT_GE(r.score, best);
  EXPECT_LT(strong->results.size(), 3u);
  q.min_score = 1;
  auto perfect = service_->Search({1, "p"}, q);
  ASSERT_TRUE(perfect.ok());
  for (const auto& r : perfect->results) EXPECT_GE(r.score, 1.0);
  for (double bad : {-0.1, 1.5, std::nan("")}) {
    q.min_score = bad;
    auto refused = service_->Search({1, "p"}, q);
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(refused.status().message().find("'min_score'"), std::string::npos);
  }
}

TEST_F(SemanticServiceTest, WithAllTagsListsNewestFirstUpToTheLimit) {
  const Memory a = Add("p", "first", {"x", "y"});
  Add("p", "second", {"x"});
  const Memory c = Add("p", "third", {"y", "x"});
  auto both = service_->WithAllTags({1, "p"}, {"x", "y"}, 10);
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].id, c.id);
  EXPECT_EQ((*both)[1].id, a.id);
  auto one = service_->WithAllTags({1, "p"}, {"x"}, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, c.id);
  EXPECT_TRUE(service_->WithAllTags({1, "nowhere"}, {"x"}, 5).value().empty());
  EXPECT_EQ(service_->WithAllTags({1, "p"}, {}, 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->WithAllTags({1, "p"}, {"x"}, 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SemanticServiceTest, DedupeReturnsTheExistingCopyOnly) {
  const Memory first = Add("p", "The staging database lives on host db-2");
  MemoryInput same;
  same.text = "The staging database lives on host db-2";
  auto dup = service_->Add({1, "p"}, same, true);
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_FALSE(dup->created);
  EXPECT_EQ(dup->memory.id, first.id);
  MemoryInput shorter;
  shorter.text = "database";  // every word of it is in the first memory, but it says less
  auto fresh = service_->Add({1, "p"}, shorter, true);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->duplicate);
  EXPECT_TRUE(fresh->created);
  EXPECT_EQ(service_->Count({1, "p"}).value(), 2);
}

TEST_F(SemanticServiceTest, FiltersByTagsMetadataAndTime) {
  const Memory a = Add("p", "login fails on Safari", {"auth", "safari"}, R"({"severity":"high"})");
  const Memory b = Add("p", "login slow on Firefox", {"auth"}, R"({"severity":"low","n":3})");
  SearchFilter any;
  any.tags_any = {"safari", "nothing"};
  EXPECT_EQ(SearchTexts("p", "login", any), std::vector<std::string>{a.text});
  SearchFilter all;
  all.tags_all = {"auth", "safari"};
  EXPECT_EQ(SearchTexts("p", "login", all), std::vector<std::string>{a.text});
  SearchFilter meta;
  meta.metadata = {{"severity", "\"low\""}, {"n", "3.0"}};
  EXPECT_EQ(SearchTexts("p", "login", meta), std::vector<std::string>{b.text});
  SearchFilter after;
  after.created_after = a.created_at;
  EXPECT_EQ(SearchTexts("p", "login", after), std::vector<std::string>{b.text});
  const Memory c = Add("p", "login odd key", {}, R"({"k'\".x":"quotes"})");
  SearchFilter quoted;
  quoted.metadata = {{"k'\".x", "\"quotes\""}};
  EXPECT_EQ(SearchTexts("p", "login", quoted), std::vector<std::string>{c.text});
  SearchFilter none;
  none.tags_any = {"unknown"};
  EXPECT_TRUE(SearchTexts("p", "login", none).empty());
}

TEST_F(SemanticServiceTest, RecentPagesNewestFirstWithACursor) {
  for (int i = 0; i < 5; ++i) Add("p", "note " + std::to_string(i));
  auto first = service_->Recent({1, "p"}, 2, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->memories.size(), 2u);
  EXPECT_EQ(first->memories[0].text, "note 4");
  ASSERT_TRUE(first->next_cursor);
  auto second = service_->Recent({1, "p"}, 2, *first->next_cursor);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->memories[0].text, "note 2");
  auto last = service_->Recent({1, "p"}, 2, *second->next_cursor);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->memories.size(), 1u);
  EXPECT_FALSE(last->next_cursor);
  EXPECT_EQ(service_->Recent({1, "p"}, 2, "garbage").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Recent({1, "p"}, 201, "").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SemanticServiceTest, ByIdRespectsScopedAndReadOnlyKeys) {
  const Memory m = Add("p", "orchid watering schedule: every ten days");
  Principal all;
  Principal other{kDefaultAccountId, std::string("q"), false};
  Principal reader{kDefaultAccountId, std::nullopt, true};
  EXPECT_TRUE(service_->GetById(all, m.id).ok());
  EXPECT_EQ(service_->GetById(other, m.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->GetById(Principal{2, std::nullopt, false}, m.id).status().code(),
            StatusCode::kNotFound);
  MemoryPatch patch;
  patch.text = "cactus watering schedule: once a month";
  EXPECT_EQ(service_->UpdateById(reader, m.id, patch).status().code(),
            StatusCode::kPermissionDenied);
  auto updated = service_->UpdateById(all, m.id, patch);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->id, m.id);
  EXPECT_EQ(updated->created_at, m.created_at);
  EXPECT_EQ(SearchTexts("p", "cactus"), std::vector<std::string>{*patch.text});
  for (const auto& text : SearchTexts("p", "orchid"))
    EXPECT_EQ(text.find("orchid"), std::string::npos);
  EXPECT_EQ(service_->DeleteById(other, m.id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(service_->DeleteById(all, m.id).ok());
  EXPECT_EQ(service_->DeleteById(all, m.id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(SearchTexts("p", "cactus").empty());
}

TEST_F(SemanticServiceTest, CapsuleWritesAreSearchableAndDeletesLeaveIndexes) {
  MemoryInput in;
  in.key = std::string("favourite-colour");
  in.text = "teal, like the sea at dusk";
  ASSERT_TRUE(service_->Put({1, "p"}, in, "value").ok());
  EXPECT_EQ(SearchTexts("p", "favourite colour"), std::vector<std::string>{in.text});
  ASSERT_TRUE(service_->Delete({1, "p"}, "favourite-colour").ok());
  EXPECT_TRUE(SearchTexts("p", "favourite colour").empty());
  Add("p", "one more memory about the sea");
  ASSERT_EQ(service_->DeleteSpace({1, "p"}).value(), 1);
  EXPECT_TRUE(SearchTexts("p", "sea").empty());
  EXPECT_EQ(service_->DeleteSpace({1, "p"}).status().code(), StatusCode::kNotFound);
}

TEST_F(SemanticServiceTest, ExpiredMemoriesVanishFromSearchAtOnce) {
  MemoryInput in;
  in.text = "temporary parking permit for the visitor";
  in.ttl_minutes = 1;
  ASSERT_TRUE(service_->Add({1, "p"}, in, false).ok());
  EXPECT_EQ(SearchTexts("p", "parking permit").size(), 1u);
  clock_.AdvanceMillis(60'001);
  EXPECT_TRUE(SearchTexts("p", "parking permit").empty());
}

TEST_F(SemanticServiceTest, ListSpacesShowsOnlyTheScopedKeysSpace) {
  Add("a", "x one");
  Add("b", "y two");
  auto all = service_->ListSpaces(Principal{});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto scoped = service_->ListSpaces(Principal{kDefaultAccountId, std::string("b"), false});
  ASSERT_TRUE(scoped.ok());
  ASSERT_EQ(scoped->size(), 1u);
  EXPECT_EQ(scoped->front().name, "b");
  EXPECT_EQ(scoped->front().memory_count, 1);
}

TEST_F(SemanticServiceTest, WhileTheIndexesLoadASearchMatchesWordsAndSaysSo) {
  Add("p", "The ferry to the island leaves at noon");
  Add("p", "Buy oat milk and island spices");
  Add("p", "Nothing in common here");
  MemoryService loading(*store_, clock_, ServiceOptions{});
  loading.AttachSearch(nullptr, guard_.get());
  loading.SetLoadingAnalyzer(text::TextAnalyzer::Create().value());
  EXPECT_EQ(loading.IndexesLoading(), "the search indexes are loading");
  SearchQuery query;
  query.text = "When does the ferry to the island leave?";
  auto answer = loading.Search({kDefaultAccountId, "p"}, query);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_NE(answer->degraded.find("loading"), std::string::npos) << answer->degraded;
  ASSERT_EQ(answer->results.size(), 2u);
  EXPECT_EQ(answer->results[0].memory.text, "The ferry to the island leaves at noon");
  EXPECT_GT(answer->results[0].score, answer->results[1].score);
  loading.SetEngine(engine_.get());
  EXPECT_EQ(loading.IndexesLoading(), "");
  auto ready = loading.Search({kDefaultAccountId, "p"}, query);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->degraded, "");
}

}  // namespace
}  // namespace memoryd
