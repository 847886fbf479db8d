// KeyUseLog: first uses are due at once, later ones at the resolution, failures come back.
#include "auth/key_use_log.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace memoryd {
namespace {

constexpr int64_t kT = 1'700'000'000'000;

std::vector<ApiKeyUse> Sorted(std::vector<ApiKeyUse> uses) {
  std::sort(uses.begin(), uses.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return uses;
}

TEST(KeyUseLogTest, AFirstUseIsDueAtOnceAndLaterOnesAtTheResolution) {
  KeyUseLog log(60'000);
  EXPECT_TRUE(log.TakeDue().empty());
  log.Note(1, kT);
  log.Note(2, kT + 5);
  log.Note(1, kT + 3);
  log.Note(1, kT + 1);  // out of order: the latest wins
  auto due = Sorted(log.TakeDue());
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, 1);
  EXPECT_EQ(due[0].used_at, kT + 3);
  EXPECT_EQ(due[1].id, 2);
  EXPECT_EQ(due[1].used_at, kT + 5);
  EXPECT_TRUE(log.TakeDue().empty());

  log.Note(1, kT + 59'999);
  EXPECT_TRUE(log.TakeDue().empty()) << "within the resolution of the time written";
  log.Note(1, kT + 60'003);
  due = log.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].used_at, kT + 60'003);
}

TEST(KeyUseLogTest, UnwrittenUsesAreDueAgain) {
  KeyUseLog log(60'000);
  log.Note(7, kT);
  auto due = log.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  log.Unwritten(due);
  due = log.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].used_at, kT);
}

TEST(KeyUseLogTest, StaysWithinItsCapacityForgettingWhatIsWritten) {
  KeyUseLog log(60'000, 2);
  log.Note(1, kT);
  log.Note(2, kT);
  log.Note(3, kT);  // full, nothing written yet: dropped
  EXPECT_EQ(Sorted(log.TakeDue()).size(), 2u);
  log.Note(3, kT + 1);  // 1 and 2 are written: forgotten to make room
  auto due = log.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, 3);
  log.Note(1, kT + 2);  // a first use again once forgotten
  due = log.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, 1);
}

}  // namespace
}  // namespace memoryd
