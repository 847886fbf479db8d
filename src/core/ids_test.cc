#include "core/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace memoryd {
namespace {

constexpr int64_t kNow = 1'700'000'000'123;

// The 48-bit millisecond timestamp a UUIDv7 string carries in its first 12 hex digits.
int64_t EmbeddedMillis(const std::string& id) {
  const std::string hex = id.substr(0, 8) + id.substr(9, 4);
  return static_cast<int64_t>(std::stoull(hex, nullptr, 16));
}

// True for "xxxxxxxx-xxxx-7xxx-Vxxx-xxxxxxxxxxxx": lowercase hex, version 7, RFC 4122 variant.
// (Hand-written rather than std::regex, which trips GCC 12's -Wmaybe-uninitialized at -O1+.)
bool IsUuidV7(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position != (c == '-')) return false;
    if (!dash_position && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return id[14] == '7' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
}

TEST(IdsTest, HasUuidV7Shape) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewMemoryId(kNow + i);
    EXPECT_TRUE(IsUuidV7(id)) << id;
  }
  EXPECT_FALSE(IsUuidV7("0190f5e2-7c1a-6d3e-9b1f-3c2a1b0e4d5f"));  // version 6
  EXPECT_FALSE(IsUuidV7("0190f5e2-7c1a-7d3e-cb1f-3c2a1b0e4d5f"));  // wrong variant
  EXPECT_FALSE(IsUuidV7("0190F5E2-7C1A-7D3E-9B1F-3C2A1B0E4D5F"));  // uppercase
}

TEST(IdsTest, EmbedsTheTimestamp) {
  EXPECT_EQ(EmbeddedMillis(NewMemoryId(kNow)), kNow);
  EXPECT_EQ(EmbeddedMillis(NewMemoryId(0)), 0);
  EXPECT_EQ(NewMemoryId(0).substr(0, 13), "00000000-0000");
}

TEST(IdsTest, UniqueWithinOneMillisecond) {
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) ids.insert(NewMemoryId(kNow));
  EXPECT_EQ(ids.size(), 10'000u);
}

TEST(IdsTest, UniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2'000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kPerThread; ++i)
        made[static_cast<size_t>(t)].push_back(NewMemoryId(kNow));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& ids : made) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(IdsTest, SortByCreationTime) {
  std::vector<std::string> ids;
  for (int64_t t : {kNow, kNow + 1, kNow + 2, kNow + 1'000, kNow + 86'400'000}) {
    ids.push_back(NewMemoryId(t));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  // Ordering is by time only; ids from the same millisecond are in random order.
  EXPECT_LT(NewMemoryId(255), NewMemoryId(256));
}

}  // namespace
}  // namespace memoryd
