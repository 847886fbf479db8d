#include "store/read_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace memoryd {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

Memory MakeMemory(const std::string& key, const std::string& text) {
  Memory m;
  m.seq = 1;
  m.id = "mem_" + key;
  m.space = "default";
  m.key = key;
  m.text = text;
  return m;
}

const SpaceRef kSpace{1, "default"};

TEST(ReadCacheTest, AnswersOnlyAtTheGenerationItWasReadAt) {
  ReadCache cache(1 << 20);
  EXPECT_FALSE(cache.Find(kSpace, "k", 7, kNow));
  cache.Insert(kSpace, "k", 7, MakeMemory("k", "v"), kNow);
  auto hit = cache.Find(kSpace, "k", 7, kNow);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->text, "v");
  EXPECT_EQ(hit->key, "k");
  EXPECT_FALSE(cache.Find(kSpace, "k", 8, kNow)) << "a later commit must invalidate the entry";
}

TEST(ReadCacheTest, AReadTakenBeforeALaterCommitNeverReplacesANewerOne) {
  ReadCache cache(1 << 20);
  cache.Insert(kSpace, "k", 9, MakeMemory("k", "after the commit"), kNow);
  // A reader that loaded generation 8, then read its row, finishes after generation 9 is in use.
  cache.Insert(kSpace, "k", 8, MakeMemory("k", "before the commit"), kNow);
  auto hit = cache.Find(kSpace, "k", 9, kNow);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->text, "after the commit");
}

TEST(ReadCacheTest, ANewerGenerationDropsEverythingOlder) {
  ReadCache cache(1 << 20);
  cache.Insert(kSpace, "k", 8, MakeMemory("k", "old"), kNow);
  cache.Insert(kSpace, "k", 9, MakeMemory("k", "new"), kNow);
  EXPECT_FALSE(cache.Find(kSpace, "k", 8, kNow)) << "generations only move forward";
  EXPECT_EQ(cache.Find(kSpace, "k", 9, kNow)->text, "new");
}

TEST(ReadCacheTest, ExpiredMemoriesAreNotAnswered) {
  ReadCache cache(1 << 20);
  Memory m = MakeMemory("k", "v");
  m.expires_at = kNow + 1000;
  cache.Insert(kSpace, "k", 1, m, kNow);
  EXPECT_TRUE(cache.Find(kSpace, "k", 1, kNow + 999));
  EXPECT_FALSE(cache.Find(kSpace, "k", 1, kNow + 1000));
  EXPECT_FALSE(cache.Find(kSpace, "k", 1, kNow + 5000));
}

TEST(ReadCacheTest, AnEntryAnswersForOneSecondAtMost) {
  ReadCache cache(1 << 20);
  cache.Insert(kSpace, "k", 1, MakeMemory("k", "v"), kNow);
  EXPECT_TRUE(cache.Find(kSpace, "k", 1, kNow + ReadCache::kDefaultMaxAgeMillis - 1));
  EXPECT_FALSE(cache.Find(kSpace, "k", 1, kNow + ReadCache::kDefaultMaxAgeMillis));
  EXPECT_FALSE(cache.Find(kSpace, "k", 1, kNow - 1)) << "a clock that went back";
  cache.Insert(kSpace, "k", 1, MakeMemory("k", "reread"), kNow + 5000);
  EXPECT_EQ(cache.Find(kSpace, "k", 1, kNow + 5000)->text, "reread");
}

TEST(ReadCacheTest, SpacesAndAccountsAreKeptApart) {
  ReadCache cache(1 << 20);
  cache.Insert(SpaceRef{1, "a"}, "bc", 1, MakeMemory("bc", "a/bc"), kNow);
  EXPECT_FALSE(cache.Find(SpaceRef{1, "ab"}, "c", 1, kNow));
  EXPECT_FALSE(cache.Find(SpaceRef{2, "a"}, "bc", 1, kNow));
  EXPECT_FALSE(cache.Find(SpaceRef{1, "a"}, "b", 1, kNow));
  auto hit = cache.Find(SpaceRef{1, "a"}, "bc", 1, kNow);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->text, "a/bc");
}

TEST(ReadCacheTest, ReplacingAnEntryAnswersTheNewMemory) {
  ReadCache cache(1 << 20);
  cache.Insert(kSpace, "k", 3, MakeMemory("k", "first"), kNow);
  cache.Insert(kSpace, "k", 3, MakeMemory("k", "second"), kNow);
  EXPECT_EQ(cache.Find(kSpace, "k", 3, kNow)->text, "second");
}

TEST(ReadCacheTest, ZeroCapacityCachesNothing) {
  ReadCache cache(0);
  cache.Insert(kSpace, "k", 1, MakeMemory("k", "v"), kNow);
  EXPECT_FALSE(cache.Find(kSpace, "k", 1, kNow));
}

TEST(ReadCacheTest, StaysWithinItsCapacity) {
  constexpr int64_t kCapacity = 64 << 10;  // 16 shards of 4 KiB
  ReadCache cache(kCapacity);
  const std::string text(1000, 'x');
  constexpr int kInserted = 1000;  // about 1 MB of memories
  for (int i = 0; i < kInserted; ++i) {
    const std::string key = "k" + std::to_string(i);
    cache.Insert(kSpace, key, 1, MakeMemory(key, text), kNow);
  }
  int hits = 0;
  for (int i = 0; i < kInserted; ++i) {
    if (cache.Find(kSpace, "k" + std::to_string(i), 1, kNow)) ++hits;
  }
  EXPECT_GT(hits, 0);
  EXPECT_LE(hits * 1000, kCapacity) << "more memories answered than the capacity can hold";
  // The most recent insert is always kept.
  EXPECT_TRUE(cache.Find(kSpace, "k" + std::to_string(kInserted - 1), 1, kNow));
}

TEST(ReadCacheTest, AMemoryLargerThanAShardIsNotCached) {
  ReadCache cache(16 * 1024);  // 1 KiB per shard
  cache.Insert(kSpace, "big", 1, MakeMemory("big", std::string(4096, 'x')), kNow);
  EXPECT_FALSE(cache.Find(kSpace, "big", 1, kNow));
}

// Readers and a writer at once (also run under TSan): whatever the interleaving, an answer for
// generation g is the memory inserted at g.
TEST(ReadCacheTest, ConcurrentReadersOnlyEverSeeTheirGeneration) {
  ReadCache cache(1 << 20);
  std::atomic<uint64_t> generation{1};
  std::atomic<bool> stop{false};
  std::atomic<int> hits{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const uint64_t g = generation.load();
        if (auto hit = cache.Find(kSpace, "k", g, kNow)) {
          ++hits;
          if (hit->text != std::to_string(g)) ++wrong;
        } else {
          cache.Insert(kSpace, "k", g, MakeMemory("k", std::to_string(g)), kNow);
        }
      }
    });
  }
  // Each generation lasts until a reader has cached it (or a bounded wait), so readers both miss
  // and hit while generations keep moving.
  for (int i = 0; i < 2000; ++i) {
    const uint64_t g = generation.fetch_add(1) + 1;
    for (int spin = 0; spin < 1000 && !cache.Find(kSpace, "k", g, kNow); ++spin) {
      std::this_thread::yield();
    }
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(hits.load(), 0);
}

}  // namespace
}  // namespace memoryd
