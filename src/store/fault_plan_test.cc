// FaultPlan: faults injected at the database connection. The rules themselves, then SqlStore
// driven through them: a failed statement never reaches the database, a fault in the middle of a
// write transaction leaves nothing of it, and every kind of store call fails cleanly while the
// database is "down" and works again once it is back.
#include "store/fault_plan.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/sql_store.h"
#include "store/store_contract_fixture.h"
#include "store/store_test_util.h"

namespace memoryd::store_test {
namespace {

TEST(FaultPlanTest, RulesFailStatementsAndCountThem) {
  FaultPlan plan;
  EXPECT_TRUE(plan.Check("SELECT 1").ok()) << "no rule: nothing fails";
  plan.FailNthFromNow(2);
  EXPECT_TRUE(plan.Check("SELECT 1").ok());
  const Status failed = plan.Check("SELECT 2");
  EXPECT_EQ(failed.code(), StatusCode::kInternal);
  EXPECT_NE(failed.message().find("injected fault"), std::string::npos) << failed.message();
  EXPECT_TRUE(plan.Check("SELECT 3").ok()) << "the nth statement fails once";
  plan.FailMatching("memory_tags");
  EXPECT_FALSE(plan.Check("INSERT INTO memory_tags VALUES (1)").ok());
  EXPECT_TRUE(plan.Check("INSERT INTO memories VALUES (1)").ok());
  plan.FailAll();
  EXPECT_FALSE(plan.Check("SELECT 4").ok());
  plan.Clear();
  EXPECT_TRUE(plan.Check("SELECT 5").ok());
  EXPECT_EQ(plan.statements(), 8);
  EXPECT_EQ(plan.injected(), 3);
}

class SqliteFaultTest : public ::testing::Test {
 protected:
  SqliteFaultTest() {
    SqlStoreOptions options;
    options.path = dir_.path() + "/memoryd.db";
    options.full_sync = false;
    options.read_cache_bytes = 0;  // every read reaches the database
    options.faults = &faults_;
    auto opened = SqlStore::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) store_ = std::move(opened).value();
  }

  TempDir dir_;
  FaultPlan faults_;
  std::unique_ptr<SqlStore> store_;
};

TEST_F(SqliteFaultTest, TheNthStatementFailsAndNeverReachesTheDatabase) {
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->Put(kSpace, Write("a", "one"), kNoLimits, kNow).ok());
  faults_.FailNthFromNow(1);
  EXPECT_EQ(store_->GetByKey(kSpace, "a", kNow).status().code(), StatusCode::kInternal);
  EXPECT_EQ(ValueOf(store_->GetByKey(kSpace, "a", kNow)).text, "one");
  // A write whose first statement fails: BEGIN fails, nothing is written.
  faults_.FailNthFromNow(1);
  EXPECT_EQ(store_->Put(kSpace, Write("b", "two"), kNoLimits, kNow).status().code(),
            StatusCode::kInternal);
  EXPECT_EQ(store_->GetByKey(kSpace, "b", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(faults_.injected(), 2);
}

TEST_F(SqliteFaultTest, AFaultInsideAWriteTransactionLeavesNothingOfIt) {
  ASSERT_NE(store_, nullptr);
  const int64_t version = ValueOf(store_->CurrentVersion());
  faults_.FailMatching("INSERT INTO memory_tags");  // after the memory row and its new tag
  auto put = store_->Put(kSpace, Write("k", "text", {"fresh-tag"}), kNoLimits, kNow);
  EXPECT_EQ(put.status().code(), StatusCode::kInternal);
  auto bulk = store_->BulkPut(kSpace, {Write("x", "1"), Write("y", "2", {"t"})}, kNoLimits, kNow);
  EXPECT_EQ(bulk.status().code(), StatusCode::kInternal) << "a database failure fails the batch";
  faults_.Clear();
  EXPECT_EQ(store_->GetByKey(kSpace, "k", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetByKey(kSpace, "x", kNow).status().code(), StatusCode::kNotFound)
      << "the batch's first item went with the rest";
  EXPECT_TRUE(ValueOf(store_->ListTags(kSpace)).empty()) << "the new tags were rolled back";
  EXPECT_EQ(ValueOf(store_->CurrentVersion()), version);
  // The connection is usable again: the same writes now succeed.
  EXPECT_TRUE(store_->Put(kSpace, Write("k", "text", {"fresh-tag"}), kNoLimits, kNow).ok());
  EXPECT_EQ(ValueOf(store_->ListTags(kSpace)), (std::vector<std::string>{"fresh-tag"}));
}

TEST_F(SqliteFaultTest, EveryKindOfCallFailsWhileTheDatabaseIsDownAndWorksAfter) {
  ASSERT_NE(store_, nullptr);
  const PutOutcome put = ValueOf(store_->Put(kSpace, Write("a", "v", {"t"}), kNoLimits, kNow));
  const int64_t version = ValueOf(store_->CurrentVersion());
  faults_.FailAll();
  auto internal = [](const Status& s) { return s.code() == StatusCode::kInternal; };
  EXPECT_TRUE(internal(store_->FindApiKey("h").status()));
  EXPECT_TRUE(internal(store_->ListSpaces(kDefaultAccountId, kNow).status()));
  EXPECT_TRUE(internal(store_->GetSpace(kSpace, kNow).status()));
  EXPECT_TRUE(internal(store_->GetByKey(kSpace, "a", kNow).status()));
  EXPECT_TRUE(internal(store_->GetById(kSpace, put.memory.id, kNow).status()));
  EXPECT_TRUE(internal(store_->CountMemories(kSpace, kNow).status()));
  EXPECT_TRUE(internal(store_->ListKeys(kSpace, Page(0, 10), kNow).status()));
  EXPECT_TRUE(internal(store_->SubstringSearch(kSpace, "v", 5, kNow).status()));
  EXPECT_TRUE(internal(store_->KeysWithAllTags(kSpace, {"t"}, kNow).status()));
  EXPECT_TRUE(internal(store_->Put(kSpace, Write("b", "w"), kNoLimits, kNow).status()));
  EXPECT_TRUE(internal(store_->DeleteByKey(kSpace, "a", kNow).status()));
  EXPECT_TRUE(internal(store_->ClearSpace(kSpace, kNow).status()));
  EXPECT_TRUE(internal(store_->DeleteSpace(kSpace, kNow).status()));
  EXPECT_TRUE(internal(
      store_->UpdateById(kDefaultAccountId, put.memory.id, Write("a", "x"), kNoLimits, kNow)
          .status()));
  EXPECT_TRUE(internal(store_->ChangesSince(0, 10).status()));
  EXPECT_TRUE(internal(store_->SetEmbedding(put.memory.seq, version, {1}, "e").status()));
  EXPECT_TRUE(internal(store_->ExportMemories(kDefaultAccountId, std::nullopt, false, kNow,
                                              [](MemoryRecord&&) { return Status::Ok(); })));
  EXPECT_TRUE(internal(store_->PurgeExpired(kNow).status()));
  faults_.Clear();
  // Nothing that failed was applied, and the store answers again.
  EXPECT_EQ(ValueOf(store_->GetByKey(kSpace, "a", kNow)).text, "v");
  EXPECT_EQ(store_->GetByKey(kSpace, "b", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store_->CountMemories(kSpace, kNow)), 1);
  EXPECT_EQ(ValueOf(store_->CurrentVersion()), version);
}

}  // namespace
}  // namespace memoryd::store_test
