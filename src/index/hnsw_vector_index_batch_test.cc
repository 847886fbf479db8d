// HnswVectorIndex::AddBatch: inserts spread over several threads build a graph as good as
// one-by-one inserts, and replaced, re-added and duplicated labels end up with their last vector.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <unordered_set>

#include "index/brute_force_vector_index.h"
#include "index/hnsw_vector_index.h"
#include "index/vector_index_test_util.h"

namespace memoryd {
namespace {

using testing::ManifoldGenerator;

#if defined(__SANITIZE_THREAD__)
constexpr size_t kVectors = 1500;
#else
constexpr size_t kVectors = 12000;
#endif

// Runs the task on `threads` threads at once (a stand-in for SideRunner::RunEverywhere).
ParallelRun Threads(int threads) {
  return [threads](const std::function<void()>& task) {
    std::vector<std::thread> others;
    for (int i = 1; i < threads; ++i) others.emplace_back(task);
    task();
    for (auto& t : others) t.join();
  };
}

double Recall(const VectorIndex& approx, const VectorIndex& exact,
              const std::vector<Vector>& queries) {
  size_t found = 0, wanted = 0;
  for (const Vector& q : queries) {
    std::unordered_set<uint64_t> want;
    const std::vector<VectorHit> truth = exact.Search(q, 10).value();
    const std::vector<VectorHit> got = approx.Search(q, 10).value();
    for (const auto& h : truth) want.insert(h.label);
    for (const auto& h : got) found += want.count(h.label);
    wanted += want.size();
  }
  return static_cast<double>(found) / static_cast<double>(wanted);
}

TEST(HnswVectorIndexBatchTest, ParallelBatchesBuildAGraphAsGoodAsSerialInserts) {
  constexpr int kDim = 32;
  const ManifoldGenerator generator(kDim, /*latent=*/12, /*seed=*/1);
  const std::vector<Vector> data = generator.Sample(kVectors, /*seed=*/2);
  const std::vector<Vector> queries = generator.Sample(200, /*seed=*/3);
  auto serial = HnswVectorIndex::Create(kDim).value();
  auto batched = HnswVectorIndex::Create(kDim).value();
  BruteForceVectorIndex exact(kDim);
  std::vector<LabeledVector> batch;
  for (size_t i = 0; i < data.size(); ++i) {
    ASSERT_TRUE(serial->Add(i, data[i]).ok());
    ASSERT_TRUE(exact.Add(i, data[i]).ok());
    batch.push_back({i, &data[i]});
    if (batch.size() == 32 || i + 1 == data.size()) {
      ASSERT_TRUE(batched->AddBatch(batch, Threads(3)).ok());
      batch.clear();
    }
  }
  EXPECT_EQ(batched->Size(), data.size());
  for (size_t i = 0; i < data.size(); i += 97) EXPECT_TRUE(batched->Contains(i));
  const double serial_recall = Recall(*serial, exact, queries);
  const double batched_recall = Recall(*batched, exact, queries);
  EXPECT_GE(batched_recall, 0.95);
  EXPECT_GE(batched_recall, serial_recall - 0.02);
}

TEST(HnswVectorIndexBatchTest, ReplacedReusedAndDuplicatedLabelsKeepTheirLastVector) {
  constexpr int kDim = 8;
  const ManifoldGenerator generator(kDim, 4, 5);
  const std::vector<Vector> data = generator.Sample(200, 6);
  auto index = HnswVectorIndex::Create(kDim).value();
  for (uint64_t i = 0; i < 100; ++i) ASSERT_TRUE(index->Add(i, data[i]).ok());
  ASSERT_TRUE(index->Remove(7).ok());  // a free slot for the batch to reuse
  std::vector<LabeledVector> batch = {
      {5, &data[150]},    // replaces label 5's vector
      {300, &data[151]},  // new: takes the removed slot
      {301, &data[152]},  // new: appended
      {301, &data[153]},  // the same label again: the last vector wins
  };
  ASSERT_TRUE(index->AddBatch(batch, Threads(2)).ok());
  EXPECT_EQ(index->Size(), 101u);
  const auto nearest = [&](const Vector& q) { return index->Search(q, 1).value().at(0); };
  EXPECT_EQ(nearest(data[150]).label, 5u);
  EXPECT_EQ(nearest(data[151]).label, 300u);
  EXPECT_EQ(nearest(data[153]).label, 301u);
  EXPECT_NEAR(nearest(data[153]).similarity, 1.0f, 1e-5);
  EXPECT_FALSE(index->Contains(7));
}

TEST(HnswVectorIndexBatchTest, ABadVectorRejectsTheWholeBatch) {
  auto index = HnswVectorIndex::Create(4).value();
  const Vector good{1, 0, 0, 0};
  const Vector zero(4, 0.0f);
  const Vector wrong{1, 0};
  std::vector<LabeledVector> batch = {{1, &good}, {2, &zero}};
  EXPECT_EQ(index->AddBatch(batch, {}).code(), StatusCode::kInvalidArgument);
  batch = {{1, &good}, {3, &wrong}};
  EXPECT_EQ(index->AddBatch(batch, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Size(), 0u);
}

// Searches run beside the inserts of a batch (they walk the graph under its nodes' locks) and
// see only whole vectors: every hit is a label that was added, with a similarity in range, and
// the vectors added are all found at the end. ThreadSanitizer runs this.
TEST(HnswVectorIndexBatchTest, SearchesRunBesideBatchInserts) {
  constexpr int kDim = 16;
  const ManifoldGenerator generator(kDim, 8, 11);
  const size_t n = kVectors / 4;
  const std::vector<Vector> data = generator.Sample(n, 12);
  auto index = HnswVectorIndex::Create(kDim).value();
  std::atomic<bool> done{false};
  std::atomic<size_t> bad{0};
  std::atomic<size_t> searches{0};
  std::vector<std::thread> searchers;
  for (int t = 0; t < 2; ++t) {
    searchers.emplace_back([&, t] {
      for (size_t q = t; !done.load(); q += 2) {
        auto hits = index->Search(data[q % n], 10);
        if (!hits.ok()) {
          ADD_FAILURE() << hits.status().ToString();
          ++bad;
        }
        for (const VectorHit& hit : hits.ok() ? *hits : std::vector<VectorHit>()) {
          if (hit.label >= n || hit.similarity < -1.0f || hit.similarity > 1.0f) {
            ADD_FAILURE() << hit.label << " " << hit.similarity;
            ++bad;
          }
        }
        (void)index->SampleSimilarities(data[q % n], 8);
        ++searches;
      }
    });
  }
  std::vector<LabeledVector> batch;
  for (size_t i = 0; i < n; ++i) {
    batch.push_back({i, &data[i]});
    if (batch.size() == 16 || i + 1 == n) {
      ASSERT_TRUE(index->AddBatch(batch, Threads(2)).ok());
      batch.clear();
    }
  }
  done = true;
  for (auto& t : searchers) t.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_GT(searches.load(), 0u);
  EXPECT_EQ(index->Size(), n);
  size_t self_found = 0;
  for (size_t i = 0; i < n; i += 7) {
    auto hits = index->Search(data[i], 1);
    self_found += hits.ok() && !hits->empty() && (*hits)[0].label == i;
  }
  EXPECT_GE(self_found, (n / 7) * 95 / 100);
}

}  // namespace
}  // namespace memoryd
