#include "index/keyword_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace memoryd {
namespace {

std::shared_ptr<const text::TextAnalyzer> Analyzer() {
  auto analyzer = text::TextAnalyzer::Create();
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  return *analyzer;
}

// Plain BM25: no topics, feedback or neighbour context, so rankings are easy to reason about.
Bm25Options Plain() {
  Bm25Options options;
  options.concept_weight = 0;
  options.feedback_documents = 0;
  options.previous_context_weight = options.next_context_weight = 0;
  return options;
}

std::vector<uint64_t> Labels(const std::vector<KeywordHit>& hits) {
  std::vector<uint64_t> labels;
  labels.reserve(hits.size());
  for (const KeywordHit& hit : hits) labels.push_back(hit.label);
  return labels;
}

class KeywordIndexTest : public ::testing::Test {
 protected:
  void AddAll(KeywordIndex* index) {
    ASSERT_TRUE(index->Add(1, "User prefers dark mode and Vim keybindings in all editors.").ok());
    ASSERT_TRUE(index->Add(2, "Deploy pipeline uses GitHub Actions").ok());
    ASSERT_TRUE(index->Add(3, "The cat sat on the mat").ok());
    ASSERT_TRUE(index->Add(4, "Melanie painted a sunrise over the lake last week").ok());
    ASSERT_TRUE(index->Add(5, "A painting of a cat by the lake").ok());
  }
};

TEST_F(KeywordIndexTest, RanksMatchingDocumentsFirst) {
  Bm25Index index(Analyzer(), Plain());
  AddAll(&index);
  EXPECT_EQ(index.Size(), 5u);
  const std::vector<KeywordHit> hits = index.Search("Which painting shows the lake?", 10, nullptr);
  ASSERT_EQ(Labels(hits), (std::vector<uint64_t>{5, 4}));
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_EQ(Labels(index.Search("deployment pipeline", 10, nullptr)), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(index.Search("quantum chromodynamics", 10, nullptr).empty());
}

// Regression: when every document matches every query term (and feedback adds more), the
// per-search hit list fills completely; it must not be written past its end.
TEST_F(KeywordIndexTest, EveryDocumentMatchingEveryTerm) {
  for (size_t n : {1u, 9u, 10u, 30u}) {
    Bm25Index index(Analyzer());
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(
          index.Add(i + 1, "stable memory number " + std::to_string(i) + " about lighthouses")
              .ok());
    }
    EXPECT_EQ(index.Search("stable memory about lighthouses", 100, nullptr).size(), n);
  }
}

TEST_F(KeywordIndexTest, DegenerateQueries) {
  Bm25Index index(Analyzer(), Plain());
  EXPECT_TRUE(index.Search("cat", 10, nullptr).empty());  // empty index
  AddAll(&index);
  EXPECT_TRUE(index.Search("cat", 0, nullptr).empty());
  EXPECT_TRUE(index.Search("", 10, nullptr).empty());
  EXPECT_TRUE(index.Search("?!", 10, nullptr).empty());
  EXPECT_EQ(index.Search("cat", 1, nullptr).size(), 1u);
}

TEST_F(KeywordIndexTest, RelativeScoreIsOneForADuplicateAndBounded) {
  Bm25Index index(Analyzer());  // default options: topics, feedback, context
  AddAll(&index);
  const std::string text = "Melanie painted a sunrise over the lake last week";
  const std::vector<KeywordHit> hits = index.Search(text, 10, nullptr);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].label, 4u);
  EXPECT_FLOAT_EQ(hits[0].relative, 1.0f);
  for (const KeywordHit& hit : hits) {
    EXPECT_GE(hit.relative, 0.0f);
    EXPECT_LE(hit.relative, 1.0f);
  }
  const std::vector<KeywordHit> partial = index.Search("sunrise kayak trip", 10, nullptr);
  ASSERT_FALSE(partial.empty());
  EXPECT_LT(partial[0].relative, 0.8f);
}

TEST_F(KeywordIndexTest, RemoveAndReplace) {
  Bm25Index index(Analyzer(), Plain());
  AddAll(&index);
  ASSERT_TRUE(index.Remove(3).ok());
  EXPECT_EQ(index.Remove(3).code(), StatusCode::kNotFound);
  EXPECT_EQ(index.Size(), 4u);
  EXPECT_EQ(Labels(index.Search("cat mat", 10, nullptr)), (std::vector<uint64_t>{5}));
  ASSERT_TRUE(index.Add(5, "A poem about rivers").ok());  // replaces the old text
  EXPECT_EQ(index.Size(), 4u);
  EXPECT_TRUE(index.Search("cat", 10, nullptr).empty());
  EXPECT_EQ(Labels(index.Search("rivers", 10, nullptr)), (std::vector<uint64_t>{5}));
}

TEST_F(KeywordIndexTest, FilterExcludesLabels) {
  Bm25Index index(Analyzer());
  AddAll(&index);
  const auto odd_only = [](uint64_t label) { return label % 2 == 1; };
  for (const KeywordHit& hit : index.Search("cat lake painting", 10, odd_only)) {
    EXPECT_EQ(hit.label % 2, 1u);
  }
  EXPECT_EQ(Labels(index.Search("cat lake painting", 1, odd_only)), (std::vector<uint64_t>{5}));
}

TEST_F(KeywordIndexTest, ConceptsReachDocumentsWithoutSharedWords) {
  Bm25Options options = Plain();
  options.concept_weight = 0.6f;
  Bm25Index index(Analyzer(), options);
  ASSERT_TRUE(index.Add(1, "We adopted a puppy named Max").ok());
  ASSERT_TRUE(index.Add(2, "The quarterly budget review is on Monday").ok());
  ASSERT_TRUE(index.Add(3, "We drove the sedan to Lyon").ok());
  EXPECT_EQ(Labels(index.Search("dog", 10, nullptr)), (std::vector<uint64_t>{1}));
  const std::vector<KeywordHit> hits = index.Search("car trip to France", 10, nullptr);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].label, 3u);
  // Partial credit: a match through concepts only is no duplicate.
  EXPECT_GT(hits[0].relative, 0.1f);
  EXPECT_LT(hits[0].relative, 0.8f);
}

TEST_F(KeywordIndexTest, AWordCountsOnceWhetherOrNotWordNetKnowsIt) {
  // A document that has the query word scores exactly what it scores without concepts: the
  // word's concepts add nothing where the word itself matched. A document that lacks it is
  // reached through a concept only.
  Bm25Options with_concepts = Plain();
  with_concepts.concept_weight = 0.6f;
  Bm25Index semantic(Analyzer(), with_concepts);
  Bm25Index plain(Analyzer(), Plain());
  const std::vector<std::string> docs = {
      "My smartwatch is a Garmin",   "We washed the car twice",     "My car is red",
      "I bought a sedan last year",  "The quarterly budget review", "Lunch is at noon",
      "The printer is out of toner", "Invoices are archived",       "We adopted a kitten",
      "The roof needs repair"};
  for (size_t i = 0; i < docs.size(); ++i) {
    ASSERT_TRUE(semantic.Add(i + 1, docs[i]).ok());
    ASSERT_TRUE(plain.Add(i + 1, docs[i]).ok());
  }
  const auto scores = [](const std::vector<KeywordHit>& hits) {
    std::map<uint64_t, float> by_label;
    for (const KeywordHit& hit : hits) by_label[hit.label] = hit.score;
    return by_label;
  };
  const auto with = scores(semantic.Search("car", 10, nullptr));
  const auto without = scores(plain.Search("car", 10, nullptr));
  ASSERT_EQ(without.size(), 2u);
  for (const auto& [label, score] : without) {
    ASSERT_TRUE(with.contains(label));
    EXPECT_FLOAT_EQ(with.at(label), score) << label;
  }
  // "sedan" is no word match; its broader term "car" reaches it, for less than the word.
  ASSERT_TRUE(with.contains(4));
  EXPECT_LT(with.at(4), without.begin()->second);
  EXPECT_FALSE(with.contains(5));
  const std::vector<KeywordHit> hits = semantic.Search("Garmin car", 10, nullptr);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].label, 1u);  // the rare name outweighs the common word
}

// A conversation: consecutive turns share their subject, unlike turns picked at random.
void AddConversation(Bm25Index& index, uint64_t first_label) {
  const std::vector<std::string> subjects = {
      "garden tomatoes", "violin lessons",  "marathon training", "kitchen renovation",
      "chess club",      "sourdough bread", "camping trip",      "pottery class",
      "jazz concert",    "job interview",   "birthday party",    "photography course",
      "bicycle repair",  "piano recital",   "beach holiday",     "book club",
      "wedding plans",   "science fair",    "yoga retreat",      "soccer match"};
  uint64_t label = first_label;
  for (const auto& subject : subjects) {
    ASSERT_TRUE(index.Add(label++, "A: how is the " + subject + " going?").ok());
    ASSERT_TRUE(index.Add(label++, "B: the " + subject + " is going well, thanks").ok());
  }
}

TEST_F(KeywordIndexTest, NeighbourContextLiftsTheAnswerAfterAQuestion) {
  Bm25Options options = Plain();
  options.previous_context_weight = 0.5f;
  options.next_context_weight = 0;
  Bm25Index index(Analyzer(), options);
  AddConversation(index, 1);
  EXPECT_FLOAT_EQ(index.ContextStrength(), 1.0f);
  ASSERT_TRUE(index.Add(100, "Caroline: How are your pets doing?").ok());
  ASSERT_TRUE(index.Add(101, "Melanie: Great, we got another one named Bailey!").ok());
  ASSERT_TRUE(index.Add(102, "Caroline: I went hiking yesterday.").ok());
  EXPECT_EQ(Labels(index.Search("pets", 10, nullptr)), (std::vector<uint64_t>{100, 101}));
  // Without the question before it, the answer is not found.
  ASSERT_TRUE(index.Remove(100).ok());
  EXPECT_TRUE(index.Search("pets", 10, nullptr).empty());
}

TEST_F(KeywordIndexTest, NoNeighbourContextAmongUnrelatedFacts) {
  Bm25Options options = Plain();
  options.previous_context_weight = 0.5f;
  Bm25Index index(Analyzer(), options);
  // Few documents: not enough evidence that write order means anything.
  ASSERT_TRUE(index.Add(1, "We adopted a golden retriever puppy").ok());
  ASSERT_TRUE(index.Add(2, "Quarterly revenue grew twelve percent").ok());
  EXPECT_EQ(index.ContextStrength(), 0.0f);
  EXPECT_EQ(Labels(index.Search("golden retriever puppy", 10, nullptr)),
            (std::vector<uint64_t>{1}));
  // Many unrelated facts: adjacent ones overlap no more than random ones.
  for (uint64_t i = 0; i < 60; ++i) {
    ASSERT_TRUE(index
                    .Add(10 + i, "fact number " + std::to_string(i) + " about item" +
                                     std::to_string(i * 7919 % 61))
                    .ok());
  }
  EXPECT_EQ(index.ContextStrength(), 0.0f);
}

TEST_F(KeywordIndexTest, ManyRemovalsCompactWithoutChangingResults) {
  Bm25Index index(Analyzer());
  for (uint64_t i = 0; i < 2000; ++i) {
    ASSERT_TRUE(index.Add(i, "note " + std::to_string(i) + (i % 7 == 0 ? " apple" : " pear")).ok());
  }
  for (uint64_t i = 0; i < 2000; ++i) {
    if (i % 7 != 0 || i >= 1000) {
      ASSERT_TRUE(index.Remove(i).ok());
    }
  }
  EXPECT_EQ(index.Size(), 143u);
  const std::vector<KeywordHit> hits = index.Search("apple", 1000, nullptr);
  EXPECT_EQ(hits.size(), 143u);
  for (const KeywordHit& hit : hits) EXPECT_EQ(hit.label % 7, 0u);
  EXPECT_EQ(Labels(index.Search("note 994", 1, nullptr)), (std::vector<uint64_t>{994}));
  EXPECT_TRUE(index.Search("pear", 10, nullptr).empty());
}

TEST_F(KeywordIndexTest, ConcurrentReadersAndWriters) {
  Bm25Index index(Analyzer());
  AddAll(&index);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        if (index.Search("cat lake painting", 5, nullptr).empty()) failed = true;
      }
    });
  }
  threads.emplace_back([&] {
    for (uint64_t i = 100; i < 700; ++i) {
      if (!index.Add(i, "extra note about the lake " + std::to_string(i)).ok()) failed = true;
      if (i % 2 == 0 && !index.Remove(i).ok()) failed = true;
    }
  });
  for (std::thread& thread : threads) thread.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(index.Size(), 5u + 300u);
}

}  // namespace
}  // namespace memoryd
