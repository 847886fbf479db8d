#include "index/brute_force_vector_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace memoryd {
namespace {

std::vector<uint64_t> Labels(const std::vector<VectorHit>& hits) {
  std::vector<uint64_t> out;
  for (const auto& h : hits) out.push_back(h.label);
  return out;
}

TEST(BruteForceVectorIndexTest, ReturnsNearestFirstWithCosineSimilarity) {
  BruteForceVectorIndex index(2);
  ASSERT_TRUE(index.Add(1, {1, 0}).ok());
  ASSERT_TRUE(index.Add(2, {0, 5}).ok());  // not unit: the index normalises
  ASSERT_TRUE(index.Add(3, {-1, 0}).ok());
  ASSERT_TRUE(index.Add(4, {1, 1}).ok());
  auto hits = index.Search({2, 0}, 10);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(Labels(*hits), (std::vector<uint64_t>{1, 4, 2, 3}));
  EXPECT_NEAR((*hits)[0].similarity, 1.0f, 1e-6);
  EXPECT_NEAR((*hits)[1].similarity, std::sqrt(0.5f), 1e-6);
  EXPECT_NEAR((*hits)[2].similarity, 0.0f, 1e-6);
  EXPECT_NEAR((*hits)[3].similarity, -1.0f, 1e-6);
  EXPECT_EQ(index.Size(), 4u);
  EXPECT_EQ(index.Dimension(), 2);
}

TEST(BruteForceVectorIndexTest, KLimitsResultsAndZeroKIsEmpty) {
  BruteForceVectorIndex index(2);
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(index.Add(i, {1.0f, 0.1f * i}).ok());
  EXPECT_EQ(index.Search({1, 0}, 3)->size(), 3u);
  EXPECT_TRUE(index.Search({1, 0}, 0)->empty());
}

TEST(BruteForceVectorIndexTest, TiesAreBrokenBySmallerLabel) {
  BruteForceVectorIndex index(2);
  ASSERT_TRUE(index.Add(9, {1, 0}).ok());
  ASSERT_TRUE(index.Add(3, {1, 0}).ok());
  ASSERT_TRUE(index.Add(5, {1, 0}).ok());
  EXPECT_EQ(Labels(*index.Search({1, 0}, 3)), (std::vector<uint64_t>{3, 5, 9}));
}

TEST(BruteForceVectorIndexTest, AddReplacesTheVectorOfAnExistingLabel) {
  BruteForceVectorIndex index(2);
  ASSERT_TRUE(index.Add(1, {1, 0}).ok());
  ASSERT_TRUE(index.Add(2, {0, 1}).ok());
  ASSERT_TRUE(index.Add(1, {0, 1}).ok());
  EXPECT_EQ(index.Size(), 2u);
  auto hits = index.Search({1, 0}, 1);
  EXPECT_NEAR((*hits)[0].similarity, 0.0f, 1e-6);
}

TEST(BruteForceVectorIndexTest, RemoveThenReAdd) {
  BruteForceVectorIndex index(2);
  ASSERT_TRUE(index.Add(1, {1, 0}).ok());
  ASSERT_TRUE(index.Add(2, {0, 1}).ok());
  ASSERT_TRUE(index.Add(3, {-1, 0}).ok());
  ASSERT_TRUE(index.Remove(1).ok());
  EXPECT_EQ(index.Remove(1).code(), StatusCode::kNotFound);
  EXPECT_EQ(index.Remove(77).code(), StatusCode::kNotFound);
  EXPECT_FALSE(index.Contains(1));
  EXPECT_EQ(Labels(*index.Search({1, 0}, 5)), (std::vector<uint64_t>{2, 3}));
  ASSERT_TRUE(index.Add(1, {1, 0.01f}).ok());
  EXPECT_TRUE(index.Contains(1));
  EXPECT_EQ(Labels(*index.Search({1, 0}, 5)), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(BruteForceVectorIndexTest, FilterAdmitsOnlyChosenLabels) {
  BruteForceVectorIndex index(2);
  for (uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(index.Add(i, {1.0f, 0.05f * i}).ok());
  auto hits = index.Search({1, 0}, 3, [](uint64_t label) { return label % 5 == 0; });
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(Labels(*hits), (std::vector<uint64_t>{0, 5, 10}));
  EXPECT_TRUE(index.Search({1, 0}, 3, [](uint64_t) { return false; })->empty());
}

TEST(BruteForceVectorIndexTest, RejectsBadVectors) {
  BruteForceVectorIndex index(3);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(index.Add(1, {1, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Add(1, {0, 0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Add(1, {nan, 0, 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Add(1, {inf, 0, 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Search({1, 0}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Search({0, 0, 0}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Size(), 0u);
}

}  // namespace
}  // namespace memoryd
