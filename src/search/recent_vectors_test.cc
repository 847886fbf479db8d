#include "search/recent_vectors.h"

#include <gtest/gtest.h>

namespace memoryd {
namespace {

Vector Axis(size_t i, size_t dim = 4) {
  Vector v(dim, 0.0f);
  v[i] = 1.0f;
  return v;
}

TEST(RecentVectorsTest, FindsTheNearestEntriesNewerThanTheGraph) {
  RecentVectors recent(10);
  recent.Put(1, 5, Axis(0));
  recent.Put(2, 6, Axis(1));
  recent.Put(3, 7, Vector{1, 1, 0, 0});
  auto hits = recent.Search(Axis(0), 2, 0, {});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].label, 1u);
  EXPECT_NEAR(hits[0].similarity, 1.0f, 1e-6);
  EXPECT_EQ(hits[1].label, 3u);
  EXPECT_NEAR(hits[1].similarity, 0.7071f, 1e-3);
  // Entries the graph holds (version <= 5) are left to the graph.
  hits = recent.Search(Axis(0), 5, 5, {});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].label, 3u);
  EXPECT_TRUE(recent.Holds(3, 5));
  EXPECT_FALSE(recent.Holds(1, 5));
}

TEST(RecentVectorsTest, ARewriteReplacesAndAForgetRemoves) {
  RecentVectors recent(10);
  recent.Put(1, 1, Axis(0));
  recent.Put(1, 2, Axis(1));  // rewritten: only the new vector counts
  auto hits = recent.Search(Axis(0), 5, 0, {});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NEAR(hits[0].similarity, 0.0f, 1e-6);
  EXPECT_EQ(recent.Size(), 1u);
  recent.Forget(1, 3);
  EXPECT_TRUE(recent.Search(Axis(1), 5, 0, {}).empty());
  EXPECT_EQ(recent.Size(), 0u);
  // A tombstone: a graph at version 2 holds an outdated vector of label 1.
  EXPECT_TRUE(recent.Holds(1, 2));
  EXPECT_FALSE(recent.Holds(1, 3));
  recent.ForgetThrough(3);
  EXPECT_FALSE(recent.Holds(1, 0));
  recent.Put(2, 4, Vector(4, 0.0f));  // a zero vector is never kept
  EXPECT_EQ(recent.Size(), 0u);
}

TEST(RecentVectorsTest, KeepsTheNewestUpToItsCapacityAndDropsWhatTheGraphHolds) {
  RecentVectors recent(3);
  for (uint64_t label = 1; label <= 5; ++label) {
    recent.Put(label, static_cast<int64_t>(label), Axis(label % 4));
  }
  EXPECT_EQ(recent.Size(), 3u);
  EXPECT_FALSE(recent.Holds(2, 0));
  EXPECT_TRUE(recent.Holds(3, 0));
  recent.ForgetThrough(4);
  EXPECT_EQ(recent.Size(), 1u);
  EXPECT_TRUE(recent.Holds(5, 0));
}

TEST(RecentVectorsTest, HonoursTheFilterAndTheQuerysDimension) {
  RecentVectors recent(10);
  recent.Put(1, 1, Axis(0));
  recent.Put(2, 2, Axis(0));
  recent.Put(3, 3, Axis(0, 8));  // another model's dimension
  auto hits = recent.Search(Axis(0), 5, 0, [](uint64_t label) { return label != 1; });
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].label, 2u);
}

}  // namespace
}  // namespace memoryd
