// KeyCache: finds what was inserted, nothing else, and stays within its capacity.
#include "auth/key_cache.h"

#include <gtest/gtest.h>

#include "auth/api_key.h"

namespace memoryd {
namespace {

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
  EXPECT_FALSE(cache.Find(HashApiKey("a")).has_value());
  cache.Insert(Record("a", 1));
  auto found = cache.Find(HashApiKey("a"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, 1);
  EXPECT_EQ(found->space, "s1");
  EXPECT_TRUE(found->read_only);
  EXPECT_FALSE(cache.Find(HashApiKey("b")).has_value());
  EXPECT_FALSE(cache.Find("a").has_value()) << "looked up by digest, never by key";
}

TEST(KeyCacheTest, StartsOverWhenFullAndOnClear) {
  KeyCache cache(2);
  cache.Insert(Record("a", 1));
  cache.Insert(Record("b", 2));
  cache.Insert(Record("c", 3));
  EXPECT_TRUE(cache.Find(HashApiKey("c")).has_value());
  EXPECT_FALSE(cache.Find(HashApiKey("a")).has_value());
  cache.Clear();
  EXPECT_FALSE(cache.Find(HashApiKey("c")).has_value());
}

}  // namespace
}  // namespace memoryd
