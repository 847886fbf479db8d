#include "index/best_slots.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

namespace memoryd {
namespace {

// The reference: sort everything (score descending, slot ascending) and take the first m.
std::vector<uint32_t> Reference(std::vector<uint32_t> slots, const std::vector<float>& score,
                                size_t m) {
  std::sort(slots.begin(), slots.end(), [&](uint32_t a, uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : a < b;
  });
  slots.resize(std::min(m, slots.size()));
  return slots;
}

// Exactly a full sort's answer, on small and large lists, with many ties (coarse scores, as BM25
// gives documents that match the same words) and with distinct scores, and for m from 1 to more
// than the list holds; the large lists take the sampled path.
TEST(BestSlotsTest, SameAsAFullSort) {
  std::mt19937_64 rng(5);
  for (size_t n : {0u, 1u, 7u, 500u, 4096u, 20000u, 100000u}) {
    for (bool coarse : {true, false}) {
      std::vector<float> score(n + 10);
      for (float& s : score) {
        s = coarse ? static_cast<float>(rng() % 12)
                   : std::uniform_real_distribution<float>(0, 9)(rng);
      }
      std::vector<uint32_t> slots(n);
      std::iota(slots.begin(), slots.end(), 5u);  // slots need not start at 0
      std::shuffle(slots.begin(), slots.end(), rng);
      for (size_t m : {1u, 10u, 128u, 400u, 5000u, 200000u}) {
        EXPECT_EQ(BestSlots(slots, score.data(), m), Reference(slots, score, m))
            << "n " << n << " m " << m << " coarse " << coarse;
      }
    }
  }
}

// A sample can misjudge a skewed distribution (a few high scores hidden between the sampled
// positions); the answer must still be exact.
TEST(BestSlotsTest, SkewedScoresStillExact) {
  const size_t n = 50000;
  std::vector<float> score(n, 1.0f);
  std::vector<uint32_t> slots(n);
  std::iota(slots.begin(), slots.end(), 0u);
  for (size_t i = 1; i < n; i += 97) score[i] = 5.0f + static_cast<float>(i % 13);
  for (size_t m : {1u, 100u, 515u, 600u}) {
    EXPECT_EQ(BestSlots(slots, score.data(), m), Reference(slots, score, m)) << "m " << m;
  }
  EXPECT_TRUE(BestSlots(slots, score.data(), 0).empty());
}

}  // namespace
}  // namespace memoryd
