#include "core/zeroed_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace memoryd {
namespace {

TEST(ZeroedArrayTest, StartsAllZeroAndHoldsWhatIsWritten) {
  // Larger than a huge page, and not a multiple of one.
  ZeroedArray<float> values((size_t{5} << 20) / sizeof(float) + 3);
  ASSERT_NE(values.data(), nullptr);
  EXPECT_TRUE(std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; }));
  for (size_t i = 0; i < values.size(); i += 4099) values.data()[i] = static_cast<float>(i);
  for (size_t i = 0; i < values.size(); i += 4099)
    EXPECT_EQ(values.data()[i], static_cast<float>(i));
  EXPECT_EQ(values.end() - values.begin(), static_cast<std::ptrdiff_t>(values.size()));
}

TEST(ZeroedArrayTest, EmptyArraysHoldNothing) {
  ZeroedArray<uint64_t> none;
  EXPECT_EQ(none.data(), nullptr);
  EXPECT_EQ(none.size(), 0u);
  ZeroedArray<uint64_t> zero(0);
  EXPECT_EQ(zero.begin(), zero.end());
}

TEST(ZeroedArrayTest, MovesAndSwapsOwnership) {
  ZeroedArray<int> a(1000);
  a.data()[7] = 42;
  const int* storage = a.data();
  ZeroedArray<int> b(std::move(a));
  EXPECT_EQ(b.data(), storage);
  EXPECT_EQ(b.data()[7], 42);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  ZeroedArray<int> c(10);
  c.swap(b);
  EXPECT_EQ(c.size(), 1000u);
  EXPECT_EQ(b.size(), 10u);
  c = ZeroedArray<int>(3);  // the old storage is released
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.data()[2], 0);
}

TEST(ZeroedArrayTest, ResizeKeepsTheContentsAndZeroesTheRest) {
  ZeroedArray<uint32_t> values(1000);
  for (uint32_t i = 0; i < 1000; ++i) values.data()[i] = i + 1;
  values.Resize(size_t{3} << 20);  // past a huge page: the kernel moves the pages
  ASSERT_EQ(values.size(), size_t{3} << 20);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(values.data()[i], i + 1);
  EXPECT_TRUE(std::all_of(values.begin() + 1000, values.end(), [](uint32_t v) { return v == 0; }));
  values.Resize(10);
  EXPECT_EQ(values.data()[9], 10u);
  values.Resize(0);
  EXPECT_EQ(values.data(), nullptr);
  values.Resize(5);  // from nothing again
  EXPECT_EQ(values.data()[4], 0u);
}

TEST(AdviseHugePagesTest, AnyRangeIsAcceptedAndLeavesTheMemoryUsable) {
  std::vector<char> small(100, 'x');
  AdviseHugePages(small.data(), small.size());  // no whole huge page inside: nothing to do
  AdviseHugePages(nullptr, 0);
  std::vector<char> large(size_t{6} << 20, 'y');
  AdviseHugePages(large.data() + 1, large.size() - 1);
  EXPECT_EQ(small[99], 'x');
  EXPECT_EQ(large[large.size() - 1], 'y');
  EXPECT_EQ(large[3 << 20], 'y');
}

}  // namespace
}  // namespace memoryd
