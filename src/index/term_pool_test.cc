#include "index/term_pool.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace memoryd {
namespace {

struct Entry {
  uint32_t id;
  uint16_t tf;
};

// Entries written before the pool grows (several times, past its first capacity) read back
// unchanged, in their ranges.
TEST(TermPoolTest, GrowingKeepsEveryRange) {
  TermPool<Entry> pool;
  std::vector<std::pair<uint64_t, uint32_t>> ranges;
  for (uint32_t doc = 0; doc < 3000; ++doc) {
    const uint32_t count = doc % 9;
    ranges.emplace_back(pool.size(), count);
    const auto added = pool.Extend(count);
    ASSERT_EQ(added.size(), count);
    for (uint32_t i = 0; i < count; ++i) added[i] = {doc * 16 + i, static_cast<uint16_t>(i + 1)};
  }
  for (uint32_t doc = 0; doc < ranges.size(); ++doc) {
    const auto range = pool.Range(ranges[doc].first, ranges[doc].second);
    ASSERT_EQ(range.size(), doc % 9);
    for (uint32_t i = 0; i < range.size(); ++i) {
      EXPECT_EQ(range[i].id, doc * 16 + i);
      EXPECT_EQ(range[i].tf, i + 1);
    }
  }
}

TEST(TermPoolTest, ReserveAndSwap) {
  TermPool<Entry> a;
  a.Reserve(100000);  // address space only; nothing appended
  EXPECT_EQ(a.size(), 0u);
  a.Extend(3)[2] = {7, 1};
  a.Reserve(10);  // smaller than what is there: no change
  EXPECT_EQ(a.Range(2, 1)[0].id, 7u);
  TermPool<Entry> b;
  b.swap(a);
  EXPECT_EQ(a.size(), 0u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.Range(0, 3)[2].id, 7u);
  EXPECT_TRUE(a.Range(0, 0).empty());
}

}  // namespace
}  // namespace memoryd
