// SqlStore's read cache seen from outside: whatever writes the database, in this store or in
// another one on the same file (as a second process would), a read by key answers the latest
// committed state.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/shared_generation.h"
#include "store/sql_store.h"
#include "store/sqlite_connection.h"
#include "store/store_test_util.h"

namespace memoryd {
namespace {

using store_test::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;
const SpaceRef kSpace{kDefaultAccountId, "default"};
const WriteLimits kNoLimits{};

std::unique_ptr<SqlStore> Open(const TempDir& dir, int64_t cache_bytes = 1 << 20) {
  SqlStoreOptions options;
  options.path = dir.path() + "/memoryd.db";
  options.full_sync = false;
  options.read_cache_bytes = cache_bytes;
  auto store = SqlStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

MemoryWrite Write(const std::string& key, const std::string& text) {
  MemoryWrite w;
  w.key = key;
  w.text = text;
  return w;
}

std::string TextOf(SqlStore& store, const std::string& key, int64_t now = kNow) {
  auto got = store.GetByKey(kSpace, key, now);
  if (!got.ok()) return "<" + std::string(StatusCodeName(got.status().code())) + ">";
  return got->text;
}

class SqlStoreCacheTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::unique_ptr<SqlStore> a_ = Open(dir_);
  std::unique_ptr<SqlStore> b_ = Open(dir_);  // another process on the same data directory
};

TEST_F(SqlStoreCacheTest, ReadsFollowThisStoresWrites) {
  ASSERT_TRUE(a_ && b_);
  ASSERT_TRUE(a_->Put(kSpace, Write("k", "one"), kNoLimits, kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k"), "one");
  EXPECT_EQ(TextOf(*a_, "k"), "one");  // answered from the cache
  ASSERT_TRUE(a_->Put(kSpace, Write("k", "two"), kNoLimits, kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k"), "two");
  ASSERT_TRUE(a_->DeleteByKey(kSpace, "k", kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k"), "<not_found>");
}

TEST_F(SqlStoreCacheTest, ReadsFollowAnotherStoresWritesAtOnce) {
  ASSERT_TRUE(a_ && b_);
  for (int i = 0; i < 50; ++i) {
    const std::string text = "version " + std::to_string(i);
    ASSERT_TRUE(b_->Put(kSpace, Write("k", text), kNoLimits, kNow).ok());
    EXPECT_EQ(TextOf(*a_, "k"), text);
    EXPECT_EQ(TextOf(*a_, "k"), text);
  }
  ASSERT_TRUE(b_->ClearSpace(kSpace, kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k"), "<not_found>");
}

TEST_F(SqlStoreCacheTest, AnotherStoresDeletesAndTagChangesShowAtOnce) {
  ASSERT_TRUE(a_ && b_);
  MemoryWrite tagged = Write("k", "v");
  tagged.tags = {"red", "blue"};
  ASSERT_TRUE(a_->Put(kSpace, tagged, kNoLimits, kNow).ok());
  auto before = a_->GetByKey(kSpace, "k", kNow);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->tags.size(), 2u);
  ASSERT_TRUE(b_->DeleteTag(kSpace, "red").ok());
  auto after = a_->GetByKey(kSpace, "k", kNow);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->tags, std::vector<std::string>{"blue"});
  ASSERT_TRUE(b_->DeleteByKey(kSpace, "k", kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k"), "<not_found>");
}

TEST_F(SqlStoreCacheTest, ACachedMemoryStillExpiresOnTime) {
  ASSERT_TRUE(a_ && b_);
  MemoryWrite w = Write("k", "short-lived");
  w.expires_at = kNow + 500;  // within the cache's maximum age
  ASSERT_TRUE(a_->Put(kSpace, w, kNoLimits, kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k", kNow), "short-lived");
  EXPECT_EQ(TextOf(*a_, "k", kNow + 499), "short-lived");
  EXPECT_EQ(TextOf(*a_, "k", kNow + 500), "<not_found>");
}

// A writer killed between its commit and its bump of the shared generation leaves a change no
// bump announces (simulated here by writing around the store). Another process may answer the
// previous value, but for no longer than the cache's maximum age.
TEST_F(SqlStoreCacheTest, AnUnannouncedCommitIsSeenWithinTheMaximumAge) {
  ASSERT_TRUE(a_ && b_);
  ASSERT_TRUE(a_->Put(kSpace, Write("k", "before"), kNoLimits, kNow).ok());
  EXPECT_EQ(TextOf(*a_, "k", kNow), "before");
  auto raw = sqlite::SqliteConnection::Open(dir_.path() + "/memoryd.db", /*full_sync=*/false);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE((*raw)->Exec("UPDATE memories SET text = 'after' WHERE key = 'k'").ok());
  const int64_t limit = ReadCache::kDefaultMaxAgeMillis;
  EXPECT_EQ(TextOf(*a_, "k", kNow + limit - 1), "before");  // the bounded staleness
  EXPECT_EQ(TextOf(*a_, "k", kNow + limit), "after");
}

// The periodic purge runs in every process every few seconds; when it removes nothing it must
// not invalidate every process's cached reads.
TEST_F(SqlStoreCacheTest, APurgeThatRemovesNothingKeepsCachedReadsValid) {
  ASSERT_TRUE(a_ && b_);
  auto generation = SharedGeneration::Open(dir_.path() + "/memoryd.db.generation");
  ASSERT_TRUE(generation.ok());
  MemoryWrite w = Write("k", "v");
  w.expires_at = kNow + 10;
  ASSERT_TRUE(a_->Put(kSpace, w, kNoLimits, kNow).ok());
  const uint64_t before = (*generation)->Load();
  ASSERT_TRUE(b_->PurgeExpired(kNow).ok());
  EXPECT_EQ((*generation)->Load(), before);
  auto purged = b_->PurgeExpired(kNow + 10);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_GT((*generation)->Load(), before);
}

TEST_F(SqlStoreCacheTest, AStoreWithoutACacheAnswersTheSame) {
  TempDir dir;
  auto plain = Open(dir, /*cache_bytes=*/0);
  ASSERT_TRUE(plain);
  ASSERT_TRUE(plain->Put(kSpace, Write("k", "one"), kNoLimits, kNow).ok());
  EXPECT_EQ(TextOf(*plain, "k"), "one");
  ASSERT_TRUE(plain->Put(kSpace, Write("k", "two"), kNoLimits, kNow).ok());
  EXPECT_EQ(TextOf(*plain, "k"), "two");
}

}  // namespace
}  // namespace memoryd
