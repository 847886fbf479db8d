// The Store contract for export and import (store/store.h), against every implementation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store_contract_fixture.h"

namespace memoryd::store_test {
namespace {

template <typename Factory>
class StoreDataIoTest : public StoreContractTest<Factory> {
 protected:
  std::vector<MemoryRecord> ExportAll(std::optional<std::string> space = std::nullopt,
                                      bool with_embeddings = false, int64_t now = kNow) {
    std::vector<MemoryRecord> out;
    Status s = this->store().ExportMemories(kDefaultAccountId, space, with_embeddings, now,
                                            [&](MemoryRecord&& r) {
                                              out.push_back(std::move(r));
                                              return Status::Ok();
                                            });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::vector<ImportOutcome> Import(const std::vector<MemoryRecord>& records) {
    return ValueOf(this->store().ImportMemories(kDefaultAccountId, records, kNow));
  }
};

TYPED_TEST_SUITE(StoreDataIoTest, Factories, FactoryNames);

MemoryRecord Record(std::string id, std::string space, std::optional<std::string> key,
                    std::string text) {
  MemoryRecord r;
  r.memory.id = std::move(id);
  r.memory.space = std::move(space);
  r.memory.key = std::move(key);
  r.memory.title = "title";
  r.memory.text = std::move(text);
  r.memory.tags = {"t1", "t2"};
  r.memory.metadata_json = R"({"a":1})";
  r.memory.created_at = kNow - 10'000;
  r.memory.updated_at = kNow - 5'000;
  return r;
}

constexpr const char* kId1 = "00000000-0000-7000-8000-000000000001";
constexpr const char* kId2 = "00000000-0000-7000-8000-000000000002";
constexpr const char* kId3 = "00000000-0000-7000-8000-000000000003";

TYPED_TEST(StoreDataIoTest, ExportsLiveMemoriesBySpaceThenCreationTime) {
  this->MustPut(Space("b"), Write("k1", "first"), kNow - 3);
  this->MustPut(Space("a"), Write("k2", "second"), kNow - 2);
  this->MustPut(Space("b"), Write(std::nullopt, "third"), kNow - 1);
  this->MustPut(Space("b"), Write("gone", "expired", {}, kNow - 1), kNow - 5);
  const auto all = this->ExportAll();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].memory.text, "second");
  EXPECT_EQ(all[0].memory.space, "a");
  EXPECT_EQ(all[1].memory.text, "first");
  EXPECT_EQ(all[2].memory.text, "third");
  EXPECT_TRUE(all[0].embedding.empty());
  const auto only_b = this->ExportAll("b");
  ASSERT_EQ(only_b.size(), 2u);
  EXPECT_EQ(only_b[0].memory.space, "b");
  EXPECT_TRUE(this->ExportAll("nowhere").empty());
}

TYPED_TEST(StoreDataIoTest, ExportCarriesEmbeddingsOnlyWhenAsked) {
  MemoryWrite w = Write("k", "text");
  w.embedding = {0.6f, 0.8f};
  w.embedder = "e1";
  this->MustPut(kSpace, w);
  EXPECT_TRUE(this->ExportAll(std::nullopt, false).front().embedding.empty());
  const auto with = this->ExportAll(std::nullopt, true);
  ASSERT_EQ(with.size(), 1u);
  EXPECT_EQ(with.front().embedding, w.embedding);
  EXPECT_EQ(with.front().embedder, "e1");
}

TYPED_TEST(StoreDataIoTest, ExportStopsAtTheFirstErrorOfTheCallback) {
  this->MustPut(kSpace, Write("a", "1"));
  this->MustPut(kSpace, Write("b", "2"));
  int calls = 0;
  Status s = this->store().ExportMemories(kDefaultAccountId, std::nullopt, false, kNow,
                                          [&](MemoryRecord&&) {
                                            ++calls;
                                            return Status::Internal("disk full");
                                          });
  EXPECT_EQ(s.message(), "disk full");
  EXPECT_EQ(calls, 1);
}

TYPED_TEST(StoreDataIoTest, ImportKeepsIdsAndTimesAndASecondImportChangesNothing) {
  const std::vector<MemoryRecord> records = {Record(kId1, "notes", "k", "one"),
                                             Record(kId2, "other", std::nullopt, "two")};
  EXPECT_EQ(this->Import(records), (std::vector{ImportOutcome::kCreated, ImportOutcome::kCreated}));
  const Memory got = ValueOf(this->store().GetByKey(kSpace, "k", kNow));
  EXPECT_EQ(got.id, kId1);
  EXPECT_EQ(got.title, "title");
  EXPECT_EQ(got.tags, (Keys{"t1", "t2"}));
  EXPECT_EQ(got.metadata_json, R"({"a":1})");
  EXPECT_EQ(got.created_at, kNow - 10'000);
  EXPECT_EQ(got.updated_at, kNow - 5'000);
  EXPECT_EQ(ValueOf(this->store().FindById(kDefaultAccountId, kId2, kNow)).text, "two");
  EXPECT_EQ(ValueOf(this->store().ListTags(kSpace)), (Keys{"t1", "t2"}));

  const int64_t version = ValueOf(this->store().CurrentVersion());
  EXPECT_EQ(this->Import(records),
            (std::vector{ImportOutcome::kUnchanged, ImportOutcome::kUnchanged}));
  EXPECT_EQ(ValueOf(this->store().CurrentVersion()), version) << "an unchanged import is no write";
}

TYPED_TEST(StoreDataIoTest, ImportReplacesTheMemoryWithItsIdAndTheHolderOfItsKey) {
  this->Import({Record(kId1, "notes", "k1", "one")});
  const std::string holder = this->MustPut(kSpace, Write("k2", "held")).memory.id;
  MemoryRecord moved = Record(kId1, "notes", "k2", "one, edited");
  EXPECT_EQ(this->Import({moved}), std::vector{ImportOutcome::kReplaced});
  EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "k2", kNow)).id, kId1);
  EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "k2", kNow)).text, "one, edited");
  EXPECT_FALSE(this->store().GetByKey(kSpace, "k1", kNow).ok());
  EXPECT_FALSE(this->store().FindById(kDefaultAccountId, holder, kNow).ok());
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), 1);

  // A new id over a held key replaces the holder too.
  EXPECT_EQ(this->Import({Record(kId2, "notes", "k2", "newcomer")}),
            std::vector{ImportOutcome::kReplaced});
  EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "k2", kNow)).id, kId2);
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), 1);
}

TYPED_TEST(StoreDataIoTest, ImportMovesAMemoryToTheSpaceOfTheRecord) {
  this->Import({Record(kId1, "notes", "k", "one")});
  EXPECT_EQ(this->Import({Record(kId1, "elsewhere", "k", "one")}),
            std::vector{ImportOutcome::kReplaced});
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), 0);
  const Memory m = ValueOf(this->store().FindById(kDefaultAccountId, kId1, kNow));
  EXPECT_EQ(m.space, "elsewhere");
  EXPECT_EQ(ValueOf(this->store().GetByKey(Space("elsewhere"), "k", kNow)).id, kId1);
}

TYPED_TEST(StoreDataIoTest, ImportKeepsAnEmbeddingOnlyForUnchangedText) {
  MemoryRecord rec = Record(kId1, "notes", "k", "one");
  rec.embedding = {1.0f, 0.0f};
  rec.embedder = "e1";
  this->Import({rec});
  EXPECT_EQ(ValueOf(this->store().CountStaleEmbeddings("e1")), 0);
  MemoryRecord retagged = Record(kId1, "notes", "k", "one");
  retagged.memory.tags = {"other"};
  EXPECT_EQ(this->Import({retagged}), std::vector{ImportOutcome::kReplaced});
  EXPECT_EQ(ValueOf(this->store().CountStaleEmbeddings("e1")), 0) << "same text: vector kept";
  EXPECT_EQ(this->ExportAll(std::nullopt, true).front().embedding, rec.embedding);
  EXPECT_EQ(this->Import({Record(kId1, "notes", "k", "two")}),
            std::vector{ImportOutcome::kReplaced});
  EXPECT_EQ(ValueOf(this->store().CountStaleEmbeddings("e1")), 1) << "new text: to embed again";
}

TYPED_TEST(StoreDataIoTest, ImportedMemoriesWithoutEmbeddingsArePendingForEveryEmbedder) {
  this->Import({Record(kId1, "notes", "a", "one"), Record(kId2, "notes", "b", "two")});
  EXPECT_EQ(ValueOf(this->store().CountStaleEmbeddings("builtin")), 2);
  const auto tasks = ValueOf(this->store().StaleEmbeddings("builtin", 10));
  EXPECT_EQ(tasks.size(), 2u);
}

TYPED_TEST(StoreDataIoTest, ImportedMemoriesEnterTheIndexFeed) {
  const int64_t before = ValueOf(this->store().CurrentVersion());
  this->Import({Record(kId1, "notes", "a", "one"), Record(kId3, "notes", "c", "three")});
  const IndexChanges changes = ValueOf(this->store().ChangesSince(before, 100));
  EXPECT_EQ(changes.upserts.size(), 2u);
}

TYPED_TEST(StoreDataIoTest, ExportThenImportIntoAnotherStoreIsIdentical) {
  this->MustPut(kSpace, Write("k", "keyed", {"x"}));
  this->MustPut(Space("s2"), Write(std::nullopt, "unkeyed"));
  const auto exported = this->ExportAll();
  TypeParam other_factory;
  auto other = other_factory.Make();
  ASSERT_NE(other, nullptr);
  auto outcomes = ValueOf(other->ImportMemories(kDefaultAccountId, exported, kNow));
  EXPECT_EQ(outcomes.size(), 2u);
  std::vector<MemoryRecord> again;
  ASSERT_TRUE(other
                  ->ExportMemories(kDefaultAccountId, std::nullopt, false, kNow,
                                   [&](MemoryRecord&& r) {
                                     again.push_back(std::move(r));
                                     return Status::Ok();
                                   })
                  .ok());
  ASSERT_EQ(again.size(), exported.size());
  for (size_t i = 0; i < again.size(); ++i) {
    const Memory& a = exported[i].memory;
    const Memory& b = again[i].memory;
    EXPECT_EQ(std::tie(a.id, a.space, a.key, a.title, a.text, a.tags, a.metadata_json, a.created_at,
                       a.updated_at, a.expires_at),
              std::tie(b.id, b.space, b.key, b.title, b.text, b.tags, b.metadata_json, b.created_at,
                       b.updated_at, b.expires_at));
  }
}

}  // namespace
}  // namespace memoryd::store_test
