#include "index/hnsw_vector_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <unordered_set>

#include "index/brute_force_vector_index.h"
#include "index/vector_index_test_util.h"

namespace memoryd {
namespace {

using testing::ClusteredGenerator;
using testing::ManifoldGenerator;

// hnswlib locks a mutex per visited node while inserting, which ThreadSanitizer slows down some
// fifty-fold; its builds check recall on fewer vectors (the concurrency test is what they are for).
#if defined(__SANITIZE_THREAD__)
constexpr size_t kRecallVectors = 2000;
#else
constexpr size_t kRecallVectors = 20000;
#endif

std::unique_ptr<HnswVectorIndex> NewIndex(int dim, HnswOptions options = {}) {
  auto index = HnswVectorIndex::Create(dim, options);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::move(index).value();
}

std::vector<uint64_t> Labels(const std::vector<VectorHit>& hits) {
  std::vector<uint64_t> out;
  for (const auto& h : hits) out.push_back(h.label);
  return out;
}

// Fraction of the exact top-k labels that the approximate search returns, over all queries.
double RecallAtK(const VectorIndex& approx, const VectorIndex& exact,
                 const std::vector<Vector>& queries, size_t k, const LabelFilter& filter = {}) {
  size_t found = 0, wanted = 0;
  for (const Vector& q : queries) {
    auto truth = exact.Search(q, k, filter);
    auto got = approx.Search(q, k, filter);
    EXPECT_TRUE(truth.ok() && got.ok());
    std::unordered_set<uint64_t> want;
    for (const auto& h : *truth) want.insert(h.label);
    for (const auto& h : *got) found += want.count(h.label);
    wanted += truth->size();
  }
  return wanted == 0 ? 1.0 : static_cast<double>(found) / wanted;
}

// The defaults must keep recall@10 at 0.95 or better against exact search on embedding-like data
// (fixed seeds). bench/vector_search.cc measures larger and harder cases.
TEST(HnswVectorIndexTest, RecallAt10AgainstBruteForce) {
  constexpr int kDim = 32;
  const ManifoldGenerator generator(kDim, /*latent=*/12, /*seed=*/1);
  std::vector<Vector> data = generator.Sample(kRecallVectors, /*seed=*/2);
  std::vector<Vector> queries = generator.Sample(200, /*seed=*/3);
  auto hnsw = NewIndex(kDim);
  BruteForceVectorIndex exact(kDim);
  for (size_t i = 0; i < data.size(); ++i) {
    ASSERT_TRUE(hnsw->Add(i, data[i]).ok());
    ASSERT_TRUE(exact.Add(i, data[i]).ok());
  }
  EXPECT_EQ(hnsw->Size(), data.size());
  EXPECT_GE(RecallAtK(*hnsw, exact, queries, 10), 0.95);
  auto odd = [](uint64_t label) { return label % 2 == 1; };
  EXPECT_GE(RecallAtK(*hnsw, exact, queries, 10, odd), 0.95);
}

TEST(HnswVectorIndexTest, SelectiveFilterGivesExactResults) {
  constexpr int kDim = 16;
  std::vector<Vector> data = ClusteredGenerator(kDim, 30, 2).Sample(1500, 102);
  auto hnsw = NewIndex(kDim);
  BruteForceVectorIndex exact(kDim);
  for (size_t i = 0; i < data.size(); ++i) {
    ASSERT_TRUE(hnsw->Add(i, data[i]).ok());
    ASSERT_TRUE(exact.Add(i, data[i]).ok());
  }
  auto rare = [](uint64_t label) { return label % 53 == 7; };
  for (size_t q = 0; q < 20; ++q) {
    auto want = exact.Search(data[q], 5, rare);
    auto got = hnsw->Search(data[q], 5, rare);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(Labels(*got), Labels(*want));
  }
  EXPECT_TRUE(hnsw->Search(data[0], 5, [](uint64_t) { return false; })->empty());
}

TEST(HnswVectorIndexTest, FindsEachVectorItselfAfterGrowing) {
  constexpr int kDim = 8;
  HnswOptions options;
  options.initial_capacity = 1;  // forces many resizes
  auto index = NewIndex(kDim, options);
  std::vector<Vector> data = ClusteredGenerator(kDim, 50, 3).Sample(500, 103);
  for (size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(index->Add(1000 + i, data[i]).ok());
  EXPECT_EQ(index->Size(), 500u);
  for (size_t i = 0; i < data.size(); i += 7) {
    auto hits = index->Search(data[i], 1);
    ASSERT_TRUE(hits.ok());
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_NEAR((*hits)[0].similarity, 1.0f, 1e-5);
  }
}

TEST(HnswVectorIndexTest, RemoveHidesLabelsAndReAddBringsThemBack) {
  constexpr int kDim = 16;
  std::vector<Vector> data = ClusteredGenerator(kDim, 20, 4).Sample(400, 104);
  auto index = NewIndex(kDim);
  for (size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(index->Add(i, data[i]).ok());
  for (uint64_t i = 0; i < 100; ++i) ASSERT_TRUE(index->Remove(i).ok());
  EXPECT_EQ(index->Size(), 300u);
  EXPECT_EQ(index->Remove(5).code(), StatusCode::kNotFound);
  EXPECT_EQ(index->Remove(4000).code(), StatusCode::kNotFound);
  EXPECT_FALSE(index->Contains(5));
  for (uint64_t i = 0; i < 100; ++i) {
    auto hits = index->Search(data[i], 10);
    ASSERT_TRUE(hits.ok());
    for (const auto& hit : *hits) EXPECT_GE(hit.label, 100u);
  }
  // Re-add half of the removed labels under their old vectors and give new labels the rest of
  // the freed slots.
  for (uint64_t i = 0; i < 50; ++i) ASSERT_TRUE(index->Add(i, data[i]).ok());
  for (uint64_t i = 50; i < 100; ++i) ASSERT_TRUE(index->Add(10000 + i, data[i]).ok());
  EXPECT_EQ(index->Size(), 400u);
  for (uint64_t i = 0; i < 100; ++i) {
    auto hits = index->Search(data[i], 1);
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0].label, i < 50 ? i : 10000 + i);
    EXPECT_NEAR((*hits)[0].similarity, 1.0f, 1e-5);
  }
}

TEST(HnswVectorIndexTest, AddingAnExistingLabelReplacesItsVector) {
  constexpr int kDim = 16;
  std::vector<Vector> data = ClusteredGenerator(kDim, 10, 5).Sample(300, 105);
  auto index = NewIndex(kDim);
  for (size_t i = 0; i < 200; ++i) ASSERT_TRUE(index->Add(i, data[i]).ok());
  ASSERT_TRUE(index->Add(7, data[250]).ok());
  EXPECT_EQ(index->Size(), 200u);
  auto hits = index->Search(data[250], 1);
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].label, 7u);
  EXPECT_NEAR((*hits)[0].similarity, 1.0f, 1e-5);
  auto old_hits = index->Search(data[7], 3);
  ASSERT_TRUE(old_hits.ok());
  for (const auto& hit : *old_hits) EXPECT_LT(hit.similarity, 0.9999f);
}

TEST(HnswVectorIndexTest, EmptyAndFullyRemovedIndexesReturnNothing) {
  auto index = NewIndex(4);
  EXPECT_TRUE(index->Search({1, 0, 0, 0}, 5)->empty());
  ASSERT_TRUE(index->Add(1, {1, 0, 0, 0}).ok());
  ASSERT_TRUE(index->Add(2, {0, 1, 0, 0}).ok());
  EXPECT_TRUE(index->Search({1, 0, 0, 0}, 0)->empty());
  EXPECT_EQ(index->Search({1, 0, 0, 0}, 50)->size(), 2u);
  ASSERT_TRUE(index->Remove(1).ok());
  ASSERT_TRUE(index->Remove(2).ok());
  EXPECT_EQ(index->Size(), 0u);
  EXPECT_TRUE(index->Search({1, 0, 0, 0}, 5)->empty());
  EXPECT_TRUE(index->Search({1, 0, 0, 0}, 5, [](uint64_t) { return true; })->empty());
}

TEST(HnswVectorIndexTest, RejectsBadInputAndOptions) {
  auto index = NewIndex(4);
  EXPECT_EQ(index->Add(1, {1, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add(1, {0, 0, 0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Search({1, 0, 0}, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HnswVectorIndex::Create(0).status().code(), StatusCode::kInvalidArgument);
  HnswOptions bad;
  bad.m = 1;
  EXPECT_EQ(HnswVectorIndex::Create(4, bad).status().code(), StatusCode::kInvalidArgument);
  bad = HnswOptions();
  bad.ef_search = 0;
  EXPECT_EQ(HnswVectorIndex::Create(4, bad).status().code(), StatusCode::kInvalidArgument);
}

// Readers search while a writer adds and removes; run under TSan to check the locking.
TEST(HnswVectorIndexTest, ConcurrentSearchesAndWrites) {
  constexpr int kDim = 16;
  std::vector<Vector> data = ClusteredGenerator(kDim, 20, 6).Sample(1500, 106);
  auto index = NewIndex(kDim);
  for (size_t i = 0; i < 100; ++i) ASSERT_TRUE(index->Add(i, data[i]).ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      for (size_t q = t; !done.load(); q = (q + 3) % data.size()) {
        auto hits = index->Search(
            data[q], 5, t == 0 ? LabelFilter() : [](uint64_t l) { return l % 2 == 0; });
        if (!hits.ok()) failures.fetch_add(1);
        (void)index->Size();
        (void)index->Contains(q);
      }
    });
  }
  for (size_t i = 100; i < data.size(); ++i) {
    ASSERT_TRUE(index->Add(i, data[i]).ok());
    if (i % 10 == 0) {
      ASSERT_TRUE(index->Remove(i - 50).ok());
    }
  }
  index->SetEfSearch(32);
  done.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(index->Size(), data.size() - (data.size() - 100) / 10);
}

// The walk widens with the graph past 250,000 vectors: half as much again per doubling.
TEST(HnswEffectiveEfTest, GrowsWithTheGraphPastAQuarterMillion) {
  EXPECT_EQ(HnswVectorIndex::EffectiveEf(100, 0), 100u);
  EXPECT_EQ(HnswVectorIndex::EffectiveEf(100, 250000), 100u);
  EXPECT_EQ(HnswVectorIndex::EffectiveEf(100, 500000), 150u);
  EXPECT_EQ(HnswVectorIndex::EffectiveEf(100, 1000000), 200u);
  EXPECT_EQ(HnswVectorIndex::EffectiveEf(64, 1000000), 128u);
  size_t previous = 0;
  for (size_t n = 100000; n < 100000000; n = n * 3 / 2) {
    const size_t ef = HnswVectorIndex::EffectiveEf(100, n);
    EXPECT_GE(ef, previous) << n;
    previous = ef;
  }
  EXPECT_LE(HnswVectorIndex::EffectiveEf(size_t{1} << 20, ~size_t{0}), size_t{1} << 20);
}

}  // namespace
}  // namespace memoryd
