#include "search/fusion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "embed/builtin_embedder.h"

namespace memoryd {
namespace {

const ScoredHit* Find(const std::vector<ScoredHit>& hits, uint64_t label) {
  for (const ScoredHit& hit : hits) {
    if (hit.label == label) return &hit;
  }
  return nullptr;
}

TEST(FusionTest, CalibratesCosineAgainstTheFloor) {
  EXPECT_FLOAT_EQ(CalibrateCosine(1.0f, 0.2f), 1.0f);
  EXPECT_FLOAT_EQ(CalibrateCosine(0.2f, 0.2f), 0.0f);
  EXPECT_FLOAT_EQ(CalibrateCosine(-0.5f, 0.2f), 0.0f);
  EXPECT_FLOAT_EQ(CalibrateCosine(0.6f, 0.2f), 0.5f);
  EXPECT_FLOAT_EQ(CalibrateCosine(std::nanf(""), 0.0f), 0.0f);
  EXPECT_FLOAT_EQ(CalibrateCosine(1.0f, 5.0f), 1.0f);  // floor clamped below 1
}

TEST(FusionTest, WeightedMeanOfCalibratedParts) {
  FusionOptions options;
  options.keyword_weight = 0.75f;
  options.cosine_floor = 0.0f;
  const std::vector<ScoredHit> fused =
      FuseScores({{1, 12.0f, 1.0f}, {2, 3.0f, 0.2f}}, {{1, 1.0f}, {3, 0.4f}}, options);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].label, 1u);
  EXPECT_FLOAT_EQ(fused[0].score, 1.0f);
  EXPECT_FLOAT_EQ(Find(fused, 2)->score, 0.75f * 0.2f);  // no vector hit: that part is 0
  EXPECT_FLOAT_EQ(Find(fused, 3)->score, 0.25f * 0.4f);
  EXPECT_FLOAT_EQ(Find(fused, 3)->vector, 0.4f);
  EXPECT_FLOAT_EQ(Find(fused, 3)->keyword, 0.0f);
}

TEST(FusionTest, MonotonicInEachPart) {
  const FusionOptions options;
  float previous = -1;
  for (float cosine = -1.0f; cosine <= 1.0f; cosine += 0.05f) {
    const float score = FuseScores({{7, 5.0f, 0.5f}}, {{7, cosine}}, options)[0].score;
    EXPECT_GE(score, previous);
    EXPECT_GE(score, 0.0f);
    EXPECT_LE(score, 1.0f);
    previous = score;
  }
  previous = -1;
  for (float relative = 0.0f; relative <= 1.0f; relative += 0.05f) {
    const float score = FuseScores({{7, 5.0f, relative}}, {{7, 0.5f}}, options)[0].score;
    EXPECT_GE(score, previous);
    previous = score;
  }
}

TEST(FusionTest, OrderLimitThresholdAndDuplicates) {
  FusionOptions options;
  options.cosine_floor = 0.0f;
  const std::vector<KeywordHit> keyword = {{5, 1, 0.5f}, {4, 1, 0.5f}, {9, 1, 0.1f}, {5, 1, 0.9f}};
  std::vector<ScoredHit> fused = FuseScores(keyword, {}, options);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].label, 5u);  // its best keyword value counts
  EXPECT_EQ(fused[1].label, 4u);
  EXPECT_EQ(fused[2].label, 9u);
  options.limit = 2;
  EXPECT_EQ(FuseScores(keyword, {}, options).size(), 2u);
  options.limit = 0;
  options.min_score = 0.3f;
  EXPECT_EQ(FuseScores(keyword, {}, options).size(), 2u);
  EXPECT_TRUE(FuseScores({}, {}, options).empty());
}

// End to end with the real keyword index and builtin embedder, default options.
class CalibrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto analyzer = text::TextAnalyzer::Create();
    ASSERT_TRUE(analyzer.ok());
    index_ = std::make_unique<Bm25Index>(*analyzer);
    auto embedder = BuiltinEmbedder::Create();
    ASSERT_TRUE(embedder.ok());
    embedder_ = std::move(embedder).value();
    for (size_t i = 0; i < texts_.size(); ++i) {
      ASSERT_TRUE(index_->Add(i, texts_[i]).ok());
      vectors_.push_back(embedder_->EmbedOne(texts_[i]));
    }
  }

  std::vector<ScoredHit> Search(const std::string& query) {
    const Vector q = embedder_->EmbedOne(query);
    std::vector<VectorHit> vector_hits;
    for (size_t i = 0; i < vectors_.size(); ++i) {
      float dot = 0;
      for (size_t d = 0; d < q.size(); ++d) dot += q[d] * vectors_[i][d];
      vector_hits.push_back({i, dot});
    }
    return FuseScores(index_->Search(query, 10, nullptr), vector_hits, FusionOptions{});
  }

  std::vector<std::string> texts_ = {
      "User prefers dark mode and Vim keybindings in all editors.",
      "Deploy pipeline uses GitHub Actions",
      "Customer reported login failures on Safari 17. Root cause was SameSite cookie policy.",
      "Melanie signed up for a pottery class yesterday.",
      "The quarterly budget review moved to Thursday.",
  };
  std::unique_ptr<Bm25Index> index_;
  std::unique_ptr<BuiltinEmbedder> embedder_;
  std::vector<Vector> vectors_;
};

TEST_F(CalibrationTest, ExactDuplicateScoresNearOne) {
  for (size_t i = 0; i < texts_.size(); ++i) {
    const std::vector<ScoredHit> hits = Search(texts_[i]);
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].label, i);
    EXPECT_GE(hits[0].score, 0.95f) << texts_[i];
  }
}

TEST_F(CalibrationTest, UnrelatedQueryScoresNearZero) {
  for (const ScoredHit& hit : Search("photosynthesis in tropical rainforests")) {
    EXPECT_LT(hit.score, 0.1f) << hit.label;
  }
}

TEST_F(CalibrationTest, RelatedQueryRanksTheRightMemoryFirstWithAMiddleScore) {
  const std::vector<ScoredHit> hits = Search("What are the user's editor preferences?");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].label, 0u);
  EXPECT_GT(hits[0].score, 0.4f);
  EXPECT_LT(hits[0].score, 0.95f);
  const std::vector<ScoredHit> deploy = Search("deployment pipeline");
  ASSERT_FALSE(deploy.empty());
  EXPECT_EQ(deploy[0].label, 1u);
}

}  // namespace
}  // namespace memoryd

namespace memoryd {
namespace {

TEST(ObservedCosineFloorTest, UsesTheNinetiethPercentileAboveThePreset) {
  std::vector<float> samples;
  for (int i = 0; i < 100; ++i) samples.push_back(0.6f + 0.002f * static_cast<float>(i));
  // An embedder whose unrelated texts sit near 0.7 (older neural models): the floor follows.
  EXPECT_NEAR(ObservedCosineFloor(samples, 0.2f), 0.778f, 0.003f);
  // The builtin embedder's unrelated texts sit near 0.1: the preset stays the floor.
  std::vector<float> low(100, 0.05f);
  EXPECT_FLOAT_EQ(ObservedCosineFloor(low, 0.2f), 0.2f);
  // Too few samples to tell: the preset.
  EXPECT_FLOAT_EQ(ObservedCosineFloor({0.9f, 0.9f, 0.9f}, 0.2f), 0.2f);
}

TEST(ObservedCosineFloorTest, FuseScoresReportsTheFloorItUsed) {
  FusionOptions options;
  options.cosine_floor = 0.7f;
  const std::vector<ScoredHit> hits = FuseScores({}, {{1, 0.85f}}, options);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_FLOAT_EQ(hits[0].cosine_floor, 0.7f);
  EXPECT_NEAR(hits[0].vector, 0.5f, 1e-5f);
}

}  // namespace
}  // namespace memoryd
