// MemoryService bulk operations, per-space limits, space summaries, and store failures (through
// a FaultPlan at the database connection) surfacing as kInternal.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "service/memory_service.h"
#include "store/fault_plan.h"
#include "store/in_memory_store.h"
#include "store/sql_store.h"
#include "store/store_test_util.h"

namespace memoryd {
namespace {

MemoryInput Input(std::string key, std::string text, std::vector<std::string> tags = {}) {
  MemoryInput in;
  in.key = std::move(key);
  in.text = std::move(text);
  in.tags = std::move(tags);
  return in;
}

BulkItem Item(MemoryInput input) { return BulkItem{std::move(input), ""}; }

std::vector<std::string> Keys(int n, const std::string& prefix = "k") {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  return keys;
}

class MemoryServiceBulkTest : public ::testing::Test {
 protected:
  MemoryServiceBulkTest() { Reset(ServiceOptions{}); }

  void Reset(ServiceOptions options) {
    service_ = std::make_unique<MemoryService>(store_, clock_, options);
  }

  int64_t Count() {
    auto count = service_->Count(space_);
    EXPECT_TRUE(count.ok()) << count.status().ToString();
    return count.ok() ? *count : -1;
  }

  InMemoryStore store_;
  FakeClock clock_;
  std::unique_ptr<MemoryService> service_;
  const SpaceRef space_{kDefaultAccountId, "default"};
};

// --- bulk ---

TEST_F(MemoryServiceBulkTest, BulkPutReportsEachItemInOrderAndStoresTheValidOnes) {
  std::vector<BulkItem> items;
  items.push_back(Item(Input("k1", "v1", {"t1"})));
  items.push_back(BulkItem{std::nullopt, "not an object"});
  MemoryInput keyless;
  keyless.text = "no key";
  items.push_back(Item(keyless));
  MemoryInput bad_ttl = Input("k4", "v4");
  bad_ttl.ttl_minutes = -5;
  items.push_back(Item(bad_ttl));
  items.push_back(Item(Input("", "empty key")));
  items.push_back(Item(Input("k6", "v6")));

  auto out = service_->BulkPut(space_, std::move(items));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 6u);
  ASSERT_TRUE((*out)[0].outcome.has_value());
  EXPECT_EQ((*out)[0].outcome->memory.key, "k1");
  EXPECT_TRUE((*out)[0].outcome->created);
  EXPECT_EQ((*out)[0].outcome->memory.tags, std::vector<std::string>{"t1"});
  EXPECT_FALSE((*out)[1].outcome.has_value());
  EXPECT_EQ((*out)[1].error, "not an object");
  EXPECT_FALSE((*out)[2].outcome.has_value());
  EXPECT_EQ((*out)[2].error, "'key' is required");
  EXPECT_FALSE((*out)[3].outcome.has_value());
  EXPECT_NE((*out)[3].error.find("ttlMinutes"), std::string::npos) << (*out)[3].error;
  EXPECT_FALSE((*out)[4].outcome.has_value());
  EXPECT_NE((*out)[4].error.find("'key'"), std::string::npos) << (*out)[4].error;
  ASSERT_TRUE((*out)[5].outcome.has_value());
  EXPECT_EQ((*out)[5].outcome->memory.key, "k6");

  EXPECT_EQ(Count(), 2);
  auto all = service_->AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"k1", "k6"}));
}

TEST_F(MemoryServiceBulkTest, BulkPutOfOnlyInvalidItemsStoresNothing) {
  std::vector<BulkItem> items;
  items.push_back(BulkItem{std::nullopt, "broken"});
  items.push_back(Item(Input("k", std::string("\xff"))));
  auto out = service_->BulkPut(space_, std::move(items));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_FALSE((*out)[0].outcome || (*out)[1].outcome);
  EXPECT_EQ(Count(), 0);
}

TEST_F(MemoryServiceBulkTest, BulkPutAcceptsTwentyItemsAndRejectsTwentyOne) {
  std::vector<BulkItem> twenty_one;
  for (const auto& key : Keys(21)) twenty_one.push_back(Item(Input(key, "v")));
  EXPECT_EQ(service_->BulkPut(space_, twenty_one).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count(), 0) << "an oversized batch stores nothing";

  twenty_one.pop_back();
  auto out = service_->BulkPut(space_, std::move(twenty_one));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->size(), 20u);
  EXPECT_EQ(Count(), 20);
}

TEST_F(MemoryServiceBulkTest, BulkGetAndBulkDeleteAcceptFiftyKeysAndRejectFiftyOne) {
  EXPECT_EQ(service_->BulkGet(space_, Keys(51)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->BulkDelete(space_, Keys(51)).status().code(), StatusCode::kInvalidArgument);

  ASSERT_TRUE(service_->Put(space_, Input("k0", "v0")).ok());
  ASSERT_TRUE(service_->Put(space_, Input("k49", "v49")).ok());
  auto got = service_->BulkGet(space_, Keys(50));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 50u);
  ASSERT_TRUE((*got)[0].has_value());
  EXPECT_EQ((*got)[0]->text, "v0");
  EXPECT_FALSE((*got)[1].has_value());
  ASSERT_TRUE((*got)[49].has_value());
  EXPECT_EQ((*got)[49]->text, "v49");

  auto deleted = service_->BulkDelete(space_, Keys(50));
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->size(), 50u);
  EXPECT_TRUE((*deleted)[0]);
  EXPECT_FALSE((*deleted)[1]);
  EXPECT_TRUE((*deleted)[49]);
  EXPECT_EQ(Count(), 0);
}

TEST_F(MemoryServiceBulkTest, BulkDeleteOverTheLimitDeletesNothing) {
  ASSERT_TRUE(service_->Put(space_, Input("k0", "v")).ok());
  EXPECT_FALSE(service_->BulkDelete(space_, Keys(51)).ok());
  EXPECT_EQ(Count(), 1);
}

// --- limits ---

TEST_F(MemoryServiceBulkTest, MemoryLimitRefusesNewKeysButNotReplacements) {
  ServiceOptions options;
  options.max_memories_per_space = 2;
  Reset(options);
  ASSERT_TRUE(service_->Put(space_, Input("a", "1")).ok());
  ASSERT_TRUE(service_->Put(space_, Input("b", "1")).ok());
  EXPECT_EQ(service_->Put(space_, Input("c", "1")).status().code(), StatusCode::kLimitExceeded);

  auto replaced = service_->Put(space_, Input("a", "2"));
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_FALSE(replaced->created);
  EXPECT_EQ(Count(), 2);

  // The limit is per space.
  EXPECT_TRUE(service_->Put(SpaceRef{kDefaultAccountId, "other"}, Input("c", "1")).ok());
  // A deleted memory frees its slot.
  ASSERT_TRUE(service_->Delete(space_, "b").ok());
  EXPECT_TRUE(service_->Put(space_, Input("c", "1")).ok());
}

TEST_F(MemoryServiceBulkTest, ExpiredMemoriesDoNotCountAgainstTheLimit) {
  ServiceOptions options;
  options.max_memories_per_space = 1;
  Reset(options);
  MemoryInput temp = Input("temp", "v");
  temp.ttl_minutes = 1;
  ASSERT_TRUE(service_->Put(space_, temp).ok());
  EXPECT_EQ(service_->Put(space_, Input("new", "v")).status().code(), StatusCode::kLimitExceeded);
  clock_.AdvanceMillis(60'000);
  EXPECT_TRUE(service_->Put(space_, Input("new", "v")).ok());
}

TEST_F(MemoryServiceBulkTest, BulkPutOverTheMemoryLimitFailsOnlyTheItemsPastIt) {
  ServiceOptions options;
  options.max_memories_per_space = 2;
  Reset(options);
  std::vector<BulkItem> items;
  for (const auto& key : Keys(3)) items.push_back(Item(Input(key, "v")));
  auto out = service_->BulkPut(space_, std::move(items));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 3u);
  EXPECT_TRUE((*out)[0].outcome && (*out)[1].outcome);
  EXPECT_FALSE((*out)[2].outcome);
  EXPECT_NE((*out)[2].error.find("limit"), std::string::npos) << (*out)[2].error;
  EXPECT_EQ(Count(), 2);
}

TEST_F(MemoryServiceBulkTest, TagLimitRefusesNewTagsButNotExistingOnes) {
  ServiceOptions options;
  options.max_tags_per_space = 2;
  Reset(options);
  ASSERT_TRUE(service_->Put(space_, Input("a", "v", {"x", "y"})).ok());
  EXPECT_EQ(service_->Put(space_, Input("b", "v", {"z"})).status().code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(service_->Get(space_, "b").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(service_->Put(space_, Input("b", "v", {"y", "x"})).ok());

  EXPECT_EQ(service_->CreateTag(space_, "z").status().code(), StatusCode::kLimitExceeded);
  auto existing = service_->CreateTag(space_, "x");
  ASSERT_TRUE(existing.ok());
  EXPECT_FALSE(*existing) << "creating an existing tag is not a new tag";

  auto tags = service_->ListTags(space_);
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (std::vector<std::string>{"x", "y"}));
  ASSERT_TRUE(service_->DeleteTag(space_, "y").ok());
  auto created = service_->CreateTag(space_, "z");
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(*created);
}

TEST_F(MemoryServiceBulkTest, ZeroLimitsMeanUnlimited) {
  ServiceOptions options;
  options.max_memories_per_space = 0;
  options.max_tags_per_space = 0;
  Reset(options);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(service_->Put(space_, Input(Keys(30)[i], "v", {"tag" + std::to_string(i)})).ok());
  }
  EXPECT_EQ(Count(), 30);
  auto all = service_->AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 30u);
}

TEST_F(MemoryServiceBulkTest, DeleteTagOfUnknownTagIsNotFound) {
  EXPECT_EQ(service_->DeleteTag(space_, "nope").code(), StatusCode::kNotFound);
}

// --- summary ---

TEST_F(MemoryServiceBulkTest, SummaryOfAnUnknownSpaceIsEmptyWithLimits) {
  ServiceOptions options;
  options.max_memories_per_space = 200;
  options.max_tags_per_space = 20;
  Reset(options);
  auto summary = service_->Summary(SpaceRef{kDefaultAccountId, "never-written"});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->info.name, "never-written");
  EXPECT_EQ(summary->info.memory_count, 0);
  EXPECT_EQ(summary->info.tag_count, 0);
  EXPECT_EQ(summary->memory_limit, 200);
  EXPECT_EQ(summary->tag_limit, 20);
  EXPECT_FALSE(summary->last_used.has_value());
}

TEST_F(MemoryServiceBulkTest, SummaryCountsAndLastUsedFollowWritesAndNoteUse) {
  const int64_t written_at = clock_.NowMillis();
  ASSERT_TRUE(service_->Put(space_, Input("a", "v", {"x", "y"})).ok());
  MemoryInput temp = Input("temp", "v");
  temp.ttl_minutes = 1;
  ASSERT_TRUE(service_->Put(space_, temp).ok());
  clock_.AdvanceMillis(60'000);

  auto summary = service_->Summary(space_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->info.name, "default");
  EXPECT_EQ(summary->info.memory_count, 1) << "expired memories are not counted";
  EXPECT_EQ(summary->info.tag_count, 2);
  EXPECT_EQ(summary->last_used, written_at);

  clock_.AdvanceMillis(5'000);
  service_->NoteUse(space_);
  summary = service_->Summary(space_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->last_used, clock_.NowMillis());

  // NoteUse is per account and space.
  auto other_account = service_->Summary(SpaceRef{2, "default"});
  ASSERT_TRUE(other_account.ok());
  EXPECT_FALSE(other_account->last_used.has_value());
}

TEST_F(MemoryServiceBulkTest, NoteUseGivesAnUnwrittenSpaceALastUsedTime) {
  const SpaceRef fresh{kDefaultAccountId, "fresh"};
  service_->NoteUse(fresh);
  auto summary = service_->Summary(fresh);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->last_used, clock_.NowMillis());
  EXPECT_EQ(summary->info.memory_count, 0);
}

// --- store failures ---

class MemoryServiceFaultTest : public ::testing::Test {
 protected:
  MemoryServiceFaultTest() : store_(OpenStore()), service_(*store_, clock_, ServiceOptions{}) {}

  std::unique_ptr<SqlStore> OpenStore() {
    SqlStoreOptions options;
    options.path = dir_.path() + "/memoryd.db";
    options.full_sync = false;
    options.read_cache_bytes = 0;  // every read reaches the database, and so the fault
    options.faults = &faults_;
    auto store = SqlStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }

  store_test::TempDir dir_;
  FaultPlan faults_;
  std::unique_ptr<SqlStore> store_;
  FakeClock clock_;
  MemoryService service_;
  const SpaceRef space_{kDefaultAccountId, "default"};
};

TEST_F(MemoryServiceFaultTest, StoreFailuresSurfaceAsInternal) {
  ASSERT_TRUE(service_.Put(space_, Input("k", "v", {"t"})).ok());

  faults_.FailAll();  // the database is down: every call that reaches it fails
  EXPECT_EQ(service_.Put(space_, Input("k2", "v")).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Get(space_, "k").status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Exists(space_, "k").status().code(), StatusCode::kInternal)
      << "a failed read is not 'does not exist'";
  EXPECT_EQ(service_.BulkGet(space_, {"k"}).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Delete(space_, "k").code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Count(space_).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.ListKeys(space_, 1, 10).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.AllKeys(space_).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.FindSubstring(space_, "v", 5).status().code(), StatusCode::kInternal);
  std::vector<BulkItem> items;
  items.push_back(Item(Input("b", "v")));
  EXPECT_EQ(service_.BulkPut(space_, std::move(items)).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.BulkDelete(space_, {"k"}).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.KeysWithTags(space_, {"t"}).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.CreateTag(space_, "n").status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.DeleteTag(space_, "t").code(), StatusCode::kInternal);
  EXPECT_EQ(service_.ListTags(space_).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Clear(space_).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Summary(space_).status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.PurgeExpired().status().code(), StatusCode::kInternal);
  EXPECT_EQ(service_.Authenticate("some-key").status().code(), StatusCode::kInternal)
      << "a store failure is not 'invalid key'";

  // Nothing the failed calls attempted reached the store.
  faults_.Clear();
  auto all = service_.AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, std::vector<std::string>{"k"});
}

TEST_F(MemoryServiceFaultTest, FailingTheNthCallFailsOnlyThatCall) {
  ASSERT_TRUE(service_.Put(space_, Input("k", "v")).ok());
  faults_.FailNthFromNow(2);  // one statement per read by key
  EXPECT_TRUE(service_.Get(space_, "k").ok());
  EXPECT_EQ(service_.Get(space_, "k").status().code(), StatusCode::kInternal);
  EXPECT_TRUE(service_.Get(space_, "k").ok());
  EXPECT_EQ(faults_.injected(), 1);
}

}  // namespace
}  // namespace memoryd
