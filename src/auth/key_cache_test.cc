// KeyCache: finds what was inserted, nothing else, for max_age only, within its capacity.
#include "auth/key_cache.h"

#include <gtest/gtest.h>

#include "auth/api_key.h"

namespace memoryd {
namespace {

constexpr int64_t kT = 1'000'000;

ApiKeyRecord Record(std::string_view key, int64_t id) {
  ApiKeyRecord record;
  record.id = id;
  record.key_hash = HashApiKey(key);
  record.space = "s" + std::to_string(id);
  record.read_only = id % 2 == 1;
  return record;
}

TEST(KeyCacheTest, FindsOnlyInsertedDigests) {
  KeyCache cache;
  EXPECT_FALSE(cache.Find(HashApiKey("a"), kT).has_value());
  cache.Insert(Record("a", 1), kT);
  auto found = cache.Find(HashApiKey("a"), kT);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, 1);
  EXPECT_EQ(found->space, "s1");
  EXPECT_TRUE(found->read_only);
  EXPECT_FALSE(cache.Find(HashApiKey("b"), kT).has_value());
  EXPECT_FALSE(cache.Find("a", kT).has_value()) << "looked up by digest, never by key";
}

TEST(KeyCacheTest, AConfirmationAgesOut) {
  KeyCache cache(16, 500);
  cache.Insert(Record("a", 1), kT);
  EXPECT_TRUE(cache.Find(HashApiKey("a"), kT + 499).has_value());
  EXPECT_FALSE(cache.Find(HashApiKey("a"), kT + 500).has_value());
  cache.Insert(Record("a", 1), kT + 600);  // confirmed again by the store
  EXPECT_TRUE(cache.Find(HashApiKey("a"), kT + 700).has_value());
}

TEST(KeyCacheTest, StartsOverWhenFullAndOnClear) {
  KeyCache cache(2);
  cache.Insert(Record("a", 1), kT);
  cache.Insert(Record("b", 2), kT);
  cache.Insert(Record("c", 3), kT);
  EXPECT_TRUE(cache.Find(HashApiKey("c"), kT).has_value());
  EXPECT_FALSE(cache.Find(HashApiKey("a"), kT).has_value());
  cache.Clear();
  EXPECT_FALSE(cache.Find(HashApiKey("c"), kT).has_value());
}

}  // namespace
}  // namespace memoryd
