// The Store contract (store/store.h), run against every implementation: SqlStore in a fresh
// temporary directory per test, and InMemoryStore. Then SqlStore-only durability tests
// (faults at the connection: fault_plan_test.cc). The index feed and the by-id and search reads are
// covered by store_feed_contract_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store_contract_fixture.h"

namespace memoryd::store_test {
namespace {

TYPED_TEST_SUITE(StoreContractTest, Factories, FactoryNames);

TYPED_TEST(StoreContractTest, PutCreatesThenReplacesKeepingIdAndCreatedAt) {
  MemoryWrite first = Write("k", "first", {"a"});
  first.title = "T1";
  first.metadata_json = R"({"n":1})";
  const PutOutcome created = this->MustPut(kSpace, first, kNow);
  EXPECT_TRUE(created.created);
  EXPECT_FALSE(created.memory.id.empty());
  EXPECT_EQ(created.memory.key, "k");
  EXPECT_EQ(created.memory.space, "notes");
  EXPECT_EQ(created.memory.created_at, kNow);
  EXPECT_EQ(created.memory.updated_at, kNow);

  MemoryWrite second = Write("k", "second", {"b"}, kNow + 1'000'000);
  second.title = "T2";
  const PutOutcome replaced = this->MustPut(kSpace, second, kNow + 5);
  EXPECT_FALSE(replaced.created);
  EXPECT_EQ(replaced.memory.id, created.memory.id);
  EXPECT_EQ(replaced.memory.seq, created.memory.seq);
  EXPECT_EQ(replaced.memory.created_at, kNow);
  EXPECT_EQ(replaced.memory.updated_at, kNow + 5);

  auto got = this->store().GetByKey(kSpace, "k", kNow + 5);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, created.memory.id);
  EXPECT_EQ(got->seq, created.memory.seq);
  EXPECT_EQ(got->title, "T2");
  EXPECT_EQ(got->text, "second");
  EXPECT_EQ(got->tags, Keys{"b"});
  EXPECT_EQ(got->metadata_json, "{}");
  EXPECT_EQ(got->created_at, kNow);
  EXPECT_EQ(got->updated_at, kNow + 5);
  EXPECT_EQ(got->expires_at, kNow + 1'000'000);
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow + 5)), 1);
}

TYPED_TEST(StoreContractTest, TotalsCountSpacesAndStoredMemories) {
  EXPECT_EQ(ValueOf(this->store().Totals()).spaces, 0);
  this->MustPut(kSpace, Write("a", "one", {}), kNow);
  this->MustPut(kSpace, Write("b", "two", {}, kNow + 10), kNow);
  this->MustPut(kSpace, Write("a", "one again", {}), kNow);  // a replacement adds nothing
  this->MustPut(Space("other"), Write("c", "three", {}), kNow);
  StoreTotals totals = ValueOf(this->store().Totals());
  EXPECT_EQ(totals.spaces, 2);
  EXPECT_EQ(totals.memories, 3);
  ASSERT_TRUE(ValueOf(this->store().DeleteByKey(Space("other"), "c", kNow)));
  // "b" has expired but is not purged yet: it is still stored.
  totals = ValueOf(this->store().Totals());
  EXPECT_EQ(totals.memories, 2);
  EXPECT_EQ(ValueOf(this->store().PurgeExpired(kNow + 20)), 1);
  EXPECT_EQ(ValueOf(this->store().Totals()).memories, 1);
}

TYPED_TEST(StoreContractTest, StoresEveryField) {
  MemoryWrite w = Write("full", "the text", {"x", "y"}, kNow + 60'000);
  w.title = "A title";
  w.metadata_json = R"({"source":"test","n":[1,2]})";
  const PutOutcome put = this->MustPut(kSpace, w);
  for (const auto& got : {this->store().GetByKey(kSpace, "full", kNow),
                          this->store().GetById(kSpace, put.memory.id, kNow)}) {
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->id, put.memory.id);
    EXPECT_EQ(got->space, "notes");
    EXPECT_EQ(got->key, "full");
    EXPECT_EQ(got->title, "A title");
    EXPECT_EQ(got->text, "the text");
    EXPECT_EQ(got->tags, (Keys{"x", "y"}));
    EXPECT_EQ(got->metadata_json, w.metadata_json);
    EXPECT_EQ(got->created_at, kNow);
    EXPECT_EQ(got->expires_at, kNow + 60'000);
  }
}

TYPED_TEST(StoreContractTest, UnkeyedPutsAlwaysCreate) {
  const PutOutcome a = this->MustPut(kSpace, Write(std::nullopt, "same"));
  const PutOutcome b = this->MustPut(kSpace, Write(std::nullopt, "same"));
  EXPECT_TRUE(a.created);
  EXPECT_TRUE(b.created);
  EXPECT_NE(a.memory.id, b.memory.id);
  EXPECT_FALSE(a.memory.key.has_value());
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), 2);
  auto got = this->store().GetById(kSpace, b.memory.id, kNow);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->key.has_value());
  // Listings stand the id in for the missing key.
  auto keys = this->store().ListKeys(kSpace, {}, kNow);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(KeysOf(*keys), (Keys{b.memory.id, a.memory.id}));
}

TYPED_TEST(StoreContractTest, LookupsOfMissingThingsAreNotFound) {
  EXPECT_EQ(this->store().GetByKey(kSpace, "nope", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().GetById(kSpace, "nope", kNow).status().code(), StatusCode::kNotFound);
  this->MustPut(kSpace, Write("k", "v"));
  EXPECT_EQ(this->store().GetByKey(kSpace, "K", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().GetById(kSpace, "k", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().GetSpace(Space("unknown"), kNow).status().code(), StatusCode::kNotFound);
  // An unknown space reads as empty.
  EXPECT_EQ(ValueOf(this->store().CountMemories(Space("unknown"), kNow)), 0);
  EXPECT_TRUE(ValueOf(this->store().ListKeys(Space("unknown"), {}, kNow)).empty());
  EXPECT_TRUE(ValueOf(this->store().ListMemories(Space("unknown"), {}, kNow)).empty());
  EXPECT_TRUE(ValueOf(this->store().ListTags(Space("unknown"))).empty());
  EXPECT_TRUE(ValueOf(this->store().SubstringSearch(Space("unknown"), "", 10, kNow)).empty());
  EXPECT_TRUE(ValueOf(this->store().KeysWithAllTags(Space("unknown"), {"a"}, kNow)).empty());
}

TYPED_TEST(StoreContractTest, TagsKeepTheirOrderAndAreSharedInTheSpace) {
  EXPECT_EQ(this->MustPut(kSpace, Write("a", "v", {"zeta", "alpha", "mid"})).memory.tags,
            (Keys{"zeta", "alpha", "mid"}));
  this->MustPut(kSpace, Write("b", "v", {"alpha"}));
  EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "a", kNow)).tags,
            (Keys{"zeta", "alpha", "mid"}));
  EXPECT_EQ(ValueOf(this->store().ListTags(kSpace)), (Keys{"alpha", "mid", "zeta"}));
  EXPECT_EQ(ValueOf(this->store().GetSpace(kSpace, kNow)).tag_count, 3);

  // Retagging replaces the memory's tags; the space keeps tags nobody carries any more.
  this->MustPut(kSpace, Write("a", "v", {"mid", "new"}));
  EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "a", kNow)).tags, (Keys{"mid", "new"}));
  EXPECT_EQ(ValueOf(this->store().ListTags(kSpace)), (Keys{"alpha", "mid", "new", "zeta"}));
  EXPECT_EQ(ValueOf(this->store().KeysWithAllTags(kSpace, {"zeta"}, kNow)), Keys{});
  EXPECT_EQ(ValueOf(this->store().KeysWithAllTags(kSpace, {"alpha"}, kNow)), Keys{"b"});
}

TYPED_TEST(StoreContractTest, MemoryLimitCountsOnlyNewMemories) {
  const WriteLimits limits = Limits(2, 0);
  this->MustPut(kSpace, Write("a", "1"), kNow, limits);
  this->MustPut(kSpace, Write("b", "2"), kNow, limits);
  auto over = this->store().Put(kSpace, Write("c", "3"), limits, kNow);
  EXPECT_EQ(over.status().code(), StatusCode::kLimitExceeded);
  auto unkeyed = this->store().Put(kSpace, Write(std::nullopt, "3"), limits, kNow);
  EXPECT_EQ(unkeyed.status().code(), StatusCode::kLimitExceeded);
  // Replacing at the limit is fine.
  EXPECT_FALSE(this->MustPut(kSpace, Write("a", "1b"), kNow, limits).created);
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), 2);
  EXPECT_EQ(this->store().GetByKey(kSpace, "c", kNow).status().code(), StatusCode::kNotFound);
  // Deleting frees a place.
  EXPECT_TRUE(ValueOf(this->store().DeleteByKey(kSpace, "b", kNow)));
  EXPECT_TRUE(this->MustPut(kSpace, Write("c", "3"), kNow, limits).created);
  // Limits are per space.
  this->MustPut(Space("other"), Write("c", "3"), kNow, limits);
}

TYPED_TEST(StoreContractTest, ExpiredMemoriesDoNotCountTowardTheLimit) {
  const WriteLimits limits = Limits(2, 0);
  this->MustPut(kSpace, Write("short", "1", {}, kNow + 10), kNow, limits);
  this->MustPut(kSpace, Write("long", "2"), kNow, limits);
  EXPECT_EQ(this->store().Put(kSpace, Write("c", "3"), limits, kNow + 9).status().code(),
            StatusCode::kLimitExceeded);
  // At expires_at the memory is gone, and so is its place in the quota.
  this->MustPut(kSpace, Write("c", "3"), kNow + 10, limits);
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow + 10)), 2);
  EXPECT_EQ(this->store().Put(kSpace, Write("d", "4"), limits, kNow + 10).status().code(),
            StatusCode::kLimitExceeded);
}

TYPED_TEST(StoreContractTest, TagLimitCountsNewTagsAndFailsTheWholeWrite) {
  const WriteLimits limits = Limits(0, 2);
  this->MustPut(kSpace, Write("a", "1", {"x", "y"}), kNow, limits);
  auto over = this->store().Put(kSpace, Write("b", "2", {"x", "z"}), limits, kNow);
  EXPECT_EQ(over.status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(this->store().GetByKey(kSpace, "b", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(this->store().ListTags(kSpace)), (Keys{"x", "y"}));
  // A replace that would add a tag fails too, leaving the old memory intact.
  EXPECT_EQ(this->store().Put(kSpace, Write("a", "new", {"z"}), limits, kNow).status().code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "a", kNow)).text, "1");
  // Existing tags cost nothing.
  this->MustPut(kSpace, Write("b", "2", {"y", "x"}), kNow, limits);
  EXPECT_EQ(this->store().CreateTag(kSpace, "z", limits, kNow).status().code(),
            StatusCode::kLimitExceeded);
  EXPECT_FALSE(ValueOf(this->store().CreateTag(kSpace, "x", limits, kNow)));
  EXPECT_TRUE(ValueOf(this->store().CreateTag(kSpace, "z", kNoLimits, kNow)));
}

TYPED_TEST(StoreContractTest, FailedFirstWriteLeavesNoSpace) {
  const WriteLimits limits = Limits(0, 1);
  EXPECT_EQ(this->store().Put(kSpace, Write("a", "1", {"x", "y"}), limits, kNow).status().code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(this->store().GetSpace(kSpace, kNow).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ValueOf(this->store().ListSpaces(kDefaultAccountId, kNow)).empty());
}

TYPED_TEST(StoreContractTest, ExpiredMemoriesAreInvisibleToEveryRead) {
  const int64_t expires = kNow + 100;
  const PutOutcome put = this->MustPut(kSpace, Write("k", "findable needle", {"t"}, expires), kNow);
  auto& store = this->store();
  const int64_t before = expires - 1;
  EXPECT_TRUE(store.GetByKey(kSpace, "k", before).ok());
  EXPECT_TRUE(store.GetById(kSpace, put.memory.id, before).ok());
  EXPECT_EQ(ValueOf(store.ListKeys(kSpace, {}, before)).size(), 1u);
  EXPECT_EQ(ValueOf(store.ListMemories(kSpace, {}, before)).size(), 1u);
  EXPECT_EQ(ValueOf(store.CountMemories(kSpace, before)), 1);
  EXPECT_EQ(ValueOf(store.SubstringSearch(kSpace, "needle", 10, before)).size(), 1u);
  EXPECT_EQ(ValueOf(store.KeysWithAllTags(kSpace, {"t"}, before)), Keys{"k"});
  EXPECT_EQ(ValueOf(store.GetSpace(kSpace, before)).memory_count, 1);

  for (int64_t now : {expires, expires + 1'000}) {
    EXPECT_EQ(store.GetByKey(kSpace, "k", now).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(store.GetById(kSpace, put.memory.id, now).status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(ValueOf(store.ListKeys(kSpace, {}, now)).empty());
    EXPECT_TRUE(ValueOf(store.ListMemories(kSpace, {}, now)).empty());
    EXPECT_EQ(ValueOf(store.CountMemories(kSpace, now)), 0);
    EXPECT_TRUE(ValueOf(store.SubstringSearch(kSpace, "needle", 10, now)).empty());
    EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {"t"}, now)).empty());
    EXPECT_EQ(ValueOf(store.GetSpace(kSpace, now)).memory_count, 0);
    EXPECT_EQ(ValueOf(store.ListSpaces(kDefaultAccountId, now)).at(0).memory_count, 0);
  }
  // The tag is a space entity and outlives the memory.
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)), Keys{"t"});
  // Deleting an expired memory reports that nothing live was deleted.
  EXPECT_FALSE(ValueOf(store.DeleteByKey(kSpace, "k", expires)));
}

TYPED_TEST(StoreContractTest, PutOverAnExpiredKeyCreatesANewMemory) {
  const PutOutcome old = this->MustPut(kSpace, Write("k", "old", {"a"}, kNow + 10), kNow);
  const PutOutcome fresh = this->MustPut(kSpace, Write("k", "fresh", {"b"}), kNow + 20);
  EXPECT_TRUE(fresh.created);
  EXPECT_NE(fresh.memory.id, old.memory.id);
  EXPECT_EQ(fresh.memory.created_at, kNow + 20);
  auto got = this->store().GetByKey(kSpace, "k", kNow + 20);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, fresh.memory.id);
  EXPECT_EQ(got->tags, Keys{"b"});
  EXPECT_EQ(this->store().GetById(kSpace, old.memory.id, kNow + 20).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(this->store().KeysWithAllTags(kSpace, {"a"}, kNow + 20)), Keys{});
}

TYPED_TEST(StoreContractTest, ListsAreOrderedAndPaged) {
  this->MustPut(kSpace, Write("a", "1"), kNow + 1);
  this->MustPut(kSpace, Write("b", "2"), kNow + 2);
  this->MustPut(kSpace, Write("c", "3"), kNow + 3);
  this->MustPut(kSpace, Write("a", "1b"), kNow + 4);  // updated last, created first
  auto& store = this->store();
  const int64_t now = kNow + 10;

  EXPECT_EQ(KeysOf(ValueOf(store.ListKeys(kSpace, {}, now))), (Keys{"a", "c", "b"}));
  EXPECT_EQ(ValueOf(store.ListKeys(kSpace, {}, now)).front().updated_at, kNow + 4);
  EXPECT_EQ(KeysOf(ValueOf(store.ListMemories(kSpace, {}, now))), (Keys{"c", "b", "a"}));

  EXPECT_EQ(KeysOf(ValueOf(store.ListKeys(kSpace, Page(1, 1), now))), Keys{"c"});
  EXPECT_EQ(KeysOf(ValueOf(store.ListKeys(kSpace, Page(2, 5), now))), Keys{"b"});
  EXPECT_TRUE(ValueOf(store.ListKeys(kSpace, Page(3, 5), now)).empty());
  EXPECT_TRUE(ValueOf(store.ListKeys(kSpace, Page(0, 0), now)).empty());
  EXPECT_EQ(KeysOf(ValueOf(store.ListMemories(kSpace, Page(0, 2), now))), (Keys{"c", "b"}));
  EXPECT_EQ(KeysOf(ValueOf(store.ListMemories(kSpace, Page(2, 2), now))), Keys{"a"});
}

TYPED_TEST(StoreContractTest, EqualTimesListTheLaterWriteFirst) {
  this->MustPut(kSpace, Write("first", "1"), kNow);
  this->MustPut(kSpace, Write("second", "2"), kNow);
  this->MustPut(kSpace, Write("third", "3"), kNow);
  EXPECT_EQ(KeysOf(ValueOf(this->store().ListKeys(kSpace, {}, kNow))),
            (Keys{"third", "second", "first"}));
  EXPECT_EQ(KeysOf(ValueOf(this->store().ListMemories(kSpace, {}, kNow))),
            (Keys{"third", "second", "first"}));
  EXPECT_EQ(KeysOf(ValueOf(this->store().SubstringSearch(kSpace, "", 10, kNow))),
            (Keys{"third", "second", "first"}));
}

TYPED_TEST(StoreContractTest, SubstringSearchIgnoresCaseInKeyAndText) {
  this->MustPut(kSpace, Write("GreetingKey", "Hello World"), kNow + 1);
  this->MustPut(kSpace, Write("other", "say HELLO again"), kNow + 2);
  this->MustPut(kSpace, Write("unrelated", "nothing to see"), kNow + 3);
  auto& store = this->store();
  const int64_t now = kNow + 10;
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "hello", 10, now))),
            (Keys{"other", "GreetingKey"}));
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "WORLD", 10, now))), Keys{"GreetingKey"});
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "greetingkey", 10, now))),
            Keys{"GreetingKey"});
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "hello", 1, now))), Keys{"other"});
  EXPECT_TRUE(ValueOf(store.SubstringSearch(kSpace, "absent", 10, now)).empty());
  // The match is on a literal substring, not a pattern.
  EXPECT_TRUE(ValueOf(store.SubstringSearch(kSpace, "h%o", 10, now)).empty());
  EXPECT_TRUE(ValueOf(store.SubstringSearch(kSpace, "hello  world", 10, now)).empty());
}

TYPED_TEST(StoreContractTest, SubstringSearchFoldsNonAsciiCaseButKeepsAccents) {
  this->MustPut(kSpace, Write("fr", "Une ÉCOLE à Paris"), kNow + 1);
  this->MustPut(kSpace, Write("ru", "Большой Дом"), kNow + 2);
  this->MustPut(kSpace, Write("Ωmega", "greek key"), kNow + 3);
  auto& store = this->store();
  const int64_t now = kNow + 10;
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "école", 10, now))), Keys{"fr"});
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "À PARIS", 10, now))), Keys{"fr"});
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "дом", 10, now))), Keys{"ru"});
  EXPECT_EQ(KeysOf(ValueOf(store.SubstringSearch(kSpace, "ωMEGA", 10, now))), Keys{"Ωmega"});
  // Folding is case only: an accent still has to match.
  EXPECT_TRUE(ValueOf(store.SubstringSearch(kSpace, "ecole", 10, now)).empty());
}

TYPED_TEST(StoreContractTest, KeysWithAllTagsRequiresEveryTag) {
  this->MustPut(kSpace, Write("c", "v", {"y", "x", "z"}));
  this->MustPut(kSpace, Write("a", "v", {"x", "y"}));
  this->MustPut(kSpace, Write("b", "v", {"x"}));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.KeysWithAllTags(kSpace, {"x", "y"}, kNow)), (Keys{"a", "c"}));
  EXPECT_EQ(ValueOf(store.KeysWithAllTags(kSpace, {"y", "x"}, kNow)), (Keys{"a", "c"}));
  EXPECT_EQ(ValueOf(store.KeysWithAllTags(kSpace, {"x"}, kNow)), (Keys{"a", "b", "c"}));
  EXPECT_EQ(ValueOf(store.KeysWithAllTags(kSpace, {"x", "y", "z"}, kNow)), Keys{"c"});
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {"x", "unknown"}, kNow)).empty());
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {}, kNow)).empty());
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {"X"}, kNow)).empty());
}

TYPED_TEST(StoreContractTest, RepeatedTagsInAWriteAreNotAnInternalError) {
  // Either answer is acceptable: the tag carried once, or the write refused as invalid. It must
  // not be a database failure, which would also fail every other item of a bulk write.
  auto put = this->store().Put(kSpace, Write("a", "v", {"x", "y", "x"}), kNoLimits, kNow);
  if (put.ok()) {
    EXPECT_EQ(put->memory.tags, (Keys{"x", "y"}));
    EXPECT_EQ(ValueOf(this->store().GetByKey(kSpace, "a", kNow)).tags, (Keys{"x", "y"}));
  } else {
    EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument) << put.status().ToString();
  }
  auto items = this->store().BulkPut(kSpace, {Write("b", "v", {"z", "z"}), Write("c", "v")},
                                     kNoLimits, kNow);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_TRUE((*items)[1].outcome.has_value());
}

TYPED_TEST(StoreContractTest, RepeatedTagsInAQueryActAsOne) {
  this->MustPut(kSpace, Write("a", "v", {"x", "y"}));
  this->MustPut(kSpace, Write("b", "v", {"x"}));
  EXPECT_EQ(ValueOf(this->store().KeysWithAllTags(kSpace, {"x", "x"}, kNow)), (Keys{"a", "b"}));
  EXPECT_EQ(ValueOf(this->store().KeysWithAllTags(kSpace, {"y", "x", "y"}, kNow)), Keys{"a"});
}

TYPED_TEST(StoreContractTest, DeleteTagUnlinksItFromEveryMemory) {
  this->MustPut(kSpace, Write("a", "v", {"x", "y"}));
  this->MustPut(kSpace, Write("b", "v", {"y", "x"}));
  auto& store = this->store();
  EXPECT_TRUE(ValueOf(store.DeleteTag(kSpace, "x")));
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "a", kNow)).tags, Keys{"y"});
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "b", kNow)).tags, Keys{"y"});
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)), Keys{"y"});
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {"x"}, kNow)).empty());
  EXPECT_FALSE(ValueOf(store.DeleteTag(kSpace, "x")));
  EXPECT_FALSE(ValueOf(store.DeleteTag(Space("unknown"), "x")));
  // A tag made again with the old name starts empty.
  EXPECT_TRUE(ValueOf(store.CreateTag(kSpace, "x", kNoLimits, kNow)));
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "a", kNow)).tags, Keys{"y"});
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {"x"}, kNow)).empty());
}

TYPED_TEST(StoreContractTest, CreateTagCreatesTheSpaceOnce) {
  auto& store = this->store();
  EXPECT_TRUE(ValueOf(store.CreateTag(kSpace, "t", kNoLimits, kNow)));
  EXPECT_FALSE(ValueOf(store.CreateTag(kSpace, "t", kNoLimits, kNow)));
  auto info = store.GetSpace(kSpace, kNow);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->tag_count, 1);
  EXPECT_EQ(info->memory_count, 0);
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)), Keys{"t"});
}

TYPED_TEST(StoreContractTest, ClearSpaceDeletesMemoriesButKeepsTags) {
  this->MustPut(kSpace, Write("a", "v", {"x"}));
  this->MustPut(kSpace, Write("b", "v", {"y"}));
  this->MustPut(kSpace, Write(std::nullopt, "v"));
  this->MustPut(Space("other"), Write("a", "v"));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.ClearSpace(kSpace, kNow)), 3);
  EXPECT_EQ(ValueOf(store.CountMemories(kSpace, kNow)), 0);
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)), (Keys{"x", "y"}));
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(kSpace, {"x"}, kNow)).empty());
  EXPECT_EQ(ValueOf(store.GetSpace(kSpace, kNow)).memory_count, 0);
  EXPECT_EQ(ValueOf(store.CountMemories(Space("other"), kNow)), 1);
  EXPECT_EQ(ValueOf(store.ClearSpace(kSpace, kNow)), 0);
  EXPECT_EQ(ValueOf(store.ClearSpace(Space("unknown"), kNow)), 0);
  // The space works as before.
  EXPECT_TRUE(this->MustPut(kSpace, Write("a", "again", {"x"})).created);
}

TYPED_TEST(StoreContractTest, ClearSpaceCountsOnlyLiveMemories) {
  this->MustPut(kSpace, Write("live", "v"));
  this->MustPut(kSpace, Write("expired", "v", {}, kNow + 5));
  EXPECT_EQ(ValueOf(this->store().ClearSpace(kSpace, kNow + 5)), 1);
  // The expired row went too: nothing is left to purge.
  EXPECT_EQ(ValueOf(this->store().PurgeExpired(kNow + 5)), 0);
}

TYPED_TEST(StoreContractTest, DeleteSpaceRemovesEverything) {
  this->MustPut(kSpace, Write("a", "v", {"x"}));
  this->MustPut(kSpace, Write("b", "v"));
  this->MustPut(Space("other"), Write("a", "v", {"x"}));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.DeleteSpace(kSpace, kNow)), 2);
  EXPECT_EQ(store.GetSpace(kSpace, kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.GetByKey(kSpace, "a", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ValueOf(store.ListTags(kSpace)).empty());
  EXPECT_EQ(store.DeleteSpace(kSpace, kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.DeleteSpace(Space("never"), kNow).status().code(), StatusCode::kNotFound);
  // Other spaces are untouched, and the name can be used again from scratch.
  EXPECT_EQ(ValueOf(store.CountMemories(Space("other"), kNow)), 1);
  EXPECT_EQ(ValueOf(store.ListTags(Space("other"))), Keys{"x"});
  this->MustPut(kSpace, Write("a", "v"), kNow + 7);
  EXPECT_EQ(ValueOf(store.GetSpace(kSpace, kNow + 7)).created_at, kNow + 7);
  EXPECT_TRUE(ValueOf(store.ListTags(kSpace)).empty());
}

TYPED_TEST(StoreContractTest, SpacesAreListedByNameWithCounts) {
  this->MustPut(Space("beta"), Write("a", "v", {"t1", "t2"}), kNow);
  this->MustPut(Space("beta"), Write("b", "v", {}, kNow + 50), kNow + 5);
  this->MustPut(Space("alpha"), Write("a", "v"), kNow + 1);
  auto& store = this->store();
  auto spaces = store.ListSpaces(kDefaultAccountId, kNow + 10);
  ASSERT_TRUE(spaces.ok());
  ASSERT_EQ(spaces->size(), 2u);
  EXPECT_EQ((*spaces)[0].name, "alpha");
  EXPECT_EQ((*spaces)[0].memory_count, 1);
  EXPECT_EQ((*spaces)[0].tag_count, 0);
  EXPECT_EQ((*spaces)[1].name, "beta");
  EXPECT_EQ((*spaces)[1].memory_count, 2);
  EXPECT_EQ((*spaces)[1].tag_count, 2);
  EXPECT_EQ((*spaces)[1].created_at, kNow);
  EXPECT_EQ((*spaces)[1].last_used, kNow + 5);

  auto beta = store.GetSpace(Space("beta"), kNow + 50);
  ASSERT_TRUE(beta.ok());
  EXPECT_EQ(beta->name, "beta");
  EXPECT_EQ(beta->memory_count, 1);
  EXPECT_EQ(beta->created_at, kNow);
  EXPECT_EQ(beta->last_used, kNow + 5);
}

TYPED_TEST(StoreContractTest, SpacesAreIsolated) {
  const SpaceRef one = Space("one");
  const SpaceRef two = Space("two");
  const PutOutcome in_one = this->MustPut(one, Write("k", "from one", {"x"}));
  this->MustPut(two, Write("k", "from two", {"y"}));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.GetByKey(one, "k", kNow)).text, "from one");
  EXPECT_EQ(ValueOf(store.GetByKey(two, "k", kNow)).text, "from two");
  EXPECT_EQ(store.GetById(two, in_one.memory.id, kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store.ListTags(one)), Keys{"x"});
  EXPECT_TRUE(ValueOf(store.KeysWithAllTags(two, {"x"}, kNow)).empty());
  EXPECT_EQ(ValueOf(store.SubstringSearch(two, "from", 10, kNow)).size(), 1u);
  EXPECT_TRUE(ValueOf(store.DeleteByKey(one, "k", kNow)));
  EXPECT_TRUE(store.GetByKey(two, "k", kNow).ok());
  EXPECT_TRUE(ValueOf(store.DeleteTag(two, "y")));
  EXPECT_FALSE(ValueOf(store.DeleteTag(two, "x")));
  EXPECT_EQ(ValueOf(store.ListTags(one)), Keys{"x"});
}

TYPED_TEST(StoreContractTest, ApiKeysAreStoredAndFoundByHash) {
  auto& store = this->store();
  ApiKeyRecord admin;
  admin.key_hash = std::string("\x01\x00\xff hash", 8);  // raw bytes, NUL included
  admin.created_at = kNow;
  auto admin_id = store.InsertApiKey(admin);
  ASSERT_TRUE(admin_id.ok()) << admin_id.status().ToString();

  ApiKeyRecord scoped;
  scoped.key_hash = "scoped-hash";
  scoped.space = "notes";
  scoped.read_only = true;
  scoped.created_at = kNow + 1;
  auto scoped_id = store.InsertApiKey(scoped);
  ASSERT_TRUE(scoped_id.ok());
  EXPECT_NE(*admin_id, *scoped_id);

  auto found = store.FindApiKey(admin.key_hash);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, *admin_id);
  EXPECT_EQ(found->account_id, kDefaultAccountId);
  EXPECT_EQ(found->key_hash, admin.key_hash);
  EXPECT_FALSE(found->space.has_value());
  EXPECT_FALSE(found->read_only);
  EXPECT_EQ(found->created_at, kNow);

  found = store.FindApiKey("scoped-hash");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, *scoped_id);
  EXPECT_EQ(found->space, "notes");
  EXPECT_TRUE(found->read_only);

  EXPECT_EQ(store.InsertApiKey(scoped).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store.FindApiKey("unknown").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.FindApiKey(std::string("\x01\x00\xff", 3)).status().code(),
            StatusCode::kNotFound);
}

TYPED_TEST(StoreContractTest, ApiKeysAreListedRevokedAndStampedWithTheirLastUse) {
  auto& store = this->store();
  ApiKeyRecord first;
  first.key_hash = "hash-1";
  first.name = "ci runner";
  first.created_at = kNow;
  ApiKeyRecord second;
  second.key_hash = "hash-2";
  second.space = "notes";
  second.read_only = true;
  second.created_at = kNow + 1;
  const int64_t first_id = ValueOf(store.InsertApiKey(first));
  const int64_t second_id = ValueOf(store.InsertApiKey(second));

  auto keys = ValueOf(store.ListApiKeys());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, first_id);
  EXPECT_EQ(keys[0].name, "ci runner");
  EXPECT_FALSE(keys[0].space.has_value());
  EXPECT_FALSE(keys[0].last_used_at.has_value());
  EXPECT_EQ(keys[1].id, second_id);
  EXPECT_EQ(keys[1].name, "");
  EXPECT_EQ(keys[1].space, "notes");
  EXPECT_TRUE(keys[1].read_only);
  EXPECT_EQ(keys[1].created_at, kNow + 1);

  // A use is recorded; an older one never moves the time back; a deleted key is skipped.
  ASSERT_TRUE(store.NoteApiKeysUsed({{first_id, kNow + 50}, {second_id, kNow + 60}}).ok());
  ASSERT_TRUE(store.NoteApiKeysUsed({{first_id, kNow + 10}, {999'999, kNow + 70}}).ok());
  EXPECT_EQ(ValueOf(store.FindApiKey("hash-1")).last_used_at, kNow + 50);
  EXPECT_EQ(ValueOf(store.FindApiKey("hash-2")).last_used_at, kNow + 60);

  ASSERT_TRUE(store.DeleteApiKey(first_id).ok());
  EXPECT_EQ(store.DeleteApiKey(first_id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store.FindApiKey("hash-1").status().code(), StatusCode::kNotFound);
  keys = ValueOf(store.ListApiKeys());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].id, second_id);
  EXPECT_TRUE(store.NoteApiKeysUsed({}).ok());
}

TYPED_TEST(StoreContractTest, BulkPutAppliesEachItemOnItsOwn) {
  const WriteLimits limits = Limits(2, 2);
  this->MustPut(kSpace, Write("existing", "old", {"x"}), kNow, limits);
  const std::vector<MemoryWrite> writes = {
      Write("new1", "1", {"x"}),        // fills the space
      Write("new2", "2"),               // over the memory limit
      Write("existing", "replaced"),    // a replace never counts
      Write("new1", "1b", {"y", "z"}),  // over the tag limit
      Write("new1", "1c", {"y"}),       // fine
  };
  auto items = this->store().BulkPut(kSpace, writes, limits, kNow + 1);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), writes.size());
  ASSERT_TRUE((*items)[0].outcome.has_value());
  EXPECT_TRUE((*items)[0].outcome->created);
  EXPECT_FALSE((*items)[1].outcome.has_value());
  EXPECT_NE((*items)[1].error.find("memory limit"), std::string::npos) << (*items)[1].error;
  ASSERT_TRUE((*items)[2].outcome.has_value());
  EXPECT_FALSE((*items)[2].outcome->created);
  EXPECT_FALSE((*items)[3].outcome.has_value());
  EXPECT_NE((*items)[3].error.find("tag limit"), std::string::npos) << (*items)[3].error;
  ASSERT_TRUE((*items)[4].outcome.has_value());
  EXPECT_FALSE((*items)[4].outcome->created);
  EXPECT_EQ((*items)[4].outcome->memory.id, (*items)[0].outcome->memory.id);

  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.CountMemories(kSpace, kNow + 1)), 2);
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "existing", kNow + 1)).text, "replaced");
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "new1", kNow + 1)).text, "1c");
  EXPECT_EQ(store.GetByKey(kSpace, "new2", kNow + 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)), (Keys{"x", "y"}));
}

TYPED_TEST(StoreContractTest, BulkPutCreatesTheSpaceEvenWhenEveryItemFails) {
  const WriteLimits limits = Limits(0, 1);
  auto items = this->store().BulkPut(kSpace, {Write("a", "v", {"x", "y"})}, limits, kNow);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_FALSE(items->front().outcome.has_value());
  EXPECT_FALSE(items->front().error.empty());
  auto info = this->store().GetSpace(kSpace, kNow);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->memory_count, 0);
  EXPECT_EQ(info->tag_count, 0);
}

TYPED_TEST(StoreContractTest, BulkDeleteReportsEachKey) {
  this->MustPut(kSpace, Write("a", "v"));
  this->MustPut(kSpace, Write("b", "v"));
  this->MustPut(kSpace, Write("gone", "v", {}, kNow + 1));
  auto deleted =
      this->store().BulkDeleteByKey(kSpace, {"a", "missing", "gone", "b", "a"}, kNow + 1);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, (std::vector<bool>{true, false, false, true, false}));
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), 0);
  EXPECT_FALSE(ValueOf(this->store().DeleteByKey(kSpace, "a", kNow)));
  EXPECT_EQ(ValueOf(this->store().BulkDeleteByKey(Space("unknown"), {"a"}, kNow)),
            std::vector<bool>{false});
}

TYPED_TEST(StoreContractTest, PurgeExpiredRemovesOnlyExpiredMemories) {
  this->MustPut(kSpace, Write("a", "v", {}, kNow + 10));
  this->MustPut(kSpace, Write("b", "v", {}, kNow + 20));
  this->MustPut(kSpace, Write("c", "v"));
  this->MustPut(Space("other"), Write("d", "v", {}, kNow + 10));
  this->MustPut(Space("other", 2), Write("e", "v", {}, kNow + 10));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.PurgeExpired(kNow + 9)), 0);
  EXPECT_EQ(ValueOf(store.PurgeExpired(kNow + 10)), 3);
  EXPECT_EQ(ValueOf(store.PurgeExpired(kNow + 10)), 0);
  EXPECT_EQ(ValueOf(store.PurgeExpired(kNow + 20)), 1);
  // Purged memories are gone even for a reader with an earlier clock.
  EXPECT_EQ(KeysOf(ValueOf(store.ListKeys(kSpace, {}, kNow))), Keys{"c"});
  EXPECT_EQ(ValueOf(store.ClearSpace(kSpace, kNow)), 1);
}

TYPED_TEST(StoreContractTest, AccountsAreIsolated) {
  const SpaceRef mine = Space("shared-name", kDefaultAccountId);
  const SpaceRef theirs = Space("shared-name", 2);
  this->MustPut(mine, Write("k", "mine", {"x"}));
  this->MustPut(theirs, Write("k", "theirs", {"y"}));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.GetByKey(mine, "k", kNow)).text, "mine");
  EXPECT_EQ(ValueOf(store.GetByKey(theirs, "k", kNow)).text, "theirs");
  EXPECT_EQ(ValueOf(store.ListTags(theirs)), Keys{"y"});
  ASSERT_EQ(ValueOf(store.ListSpaces(2, kNow)).size(), 1u);
  EXPECT_EQ(ValueOf(store.ListSpaces(2, kNow)).front().memory_count, 1);
  EXPECT_TRUE(ValueOf(store.ListSpaces(3, kNow)).empty());
  EXPECT_EQ(ValueOf(store.DeleteSpace(theirs, kNow)), 1);
  EXPECT_TRUE(store.GetByKey(mine, "k", kNow).ok());
}

TYPED_TEST(StoreContractTest, ConcurrentPutsAreAllKept) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  const WriteLimits limits = Limits(kThreads * kPerThread, 0);
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto out = this->store().Put(kSpace, Write(key, "v", {"tag" + std::to_string(i % 7)}),
                                     limits, kNow + i);
        if (!out.ok() || !out->created) ++failures[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
  auto& store = this->store();
  EXPECT_EQ(ValueOf(store.CountMemories(kSpace, kNow)), kThreads * kPerThread);
  EXPECT_EQ(ValueOf(store.ListKeys(kSpace, Page(0, -1), kNow)).size(),
            static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)).size(), 7u);
  // The space is full: one more new memory must be refused.
  EXPECT_EQ(store.Put(kSpace, Write("extra", "v"), limits, kNow).status().code(),
            StatusCode::kLimitExceeded);
}

TYPED_TEST(StoreContractTest, ConcurrentWritersCannotOvershootTheLimit) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  constexpr int kLimit = 50;
  const WriteLimits limits = Limits(kLimit, 0);
  std::vector<std::thread> threads;
  std::vector<int> admitted(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (this->store().Put(kSpace, Write(key, "v"), limits, kNow).ok()) {
          ++admitted[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int total = 0;
  for (int n : admitted) total += n;
  EXPECT_EQ(total, kLimit);
  EXPECT_EQ(ValueOf(this->store().CountMemories(kSpace, kNow)), kLimit);
}

// --- SqlStore only ---

TEST(SqlStoreTest, DataSurvivesReopening) {
  TempDir dir;
  std::string id;
  {
    auto store = OpenSqlite(dir);
    ASSERT_NE(store, nullptr);
    auto put = store->Put(kSpace, Write("k", "durable", {"b", "a"}, kNow + 100), kNoLimits, kNow);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    id = put->memory.id;
    ASSERT_TRUE(store->CreateTag(kSpace, "spare", kNoLimits, kNow).ok());
    ApiKeyRecord key;
    key.key_hash = "hash";
    ASSERT_TRUE(store->InsertApiKey(key).ok());
  }
  auto store = OpenSqlite(dir);
  ASSERT_NE(store, nullptr);
  auto got = store->GetById(kSpace, id, kNow);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->key, "k");
  EXPECT_EQ(got->text, "durable");
  EXPECT_EQ(got->tags, (Keys{"b", "a"}));
  EXPECT_EQ(got->expires_at, kNow + 100);
  EXPECT_EQ(ValueOf(store->ListTags(kSpace)), (Keys{"a", "b", "spare"}));
  EXPECT_TRUE(store->FindApiKey("hash").ok());
  // Replacing after a reopen still keeps the id.
  auto replaced = store->Put(kSpace, Write("k", "again"), kNoLimits, kNow + 1);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->memory.id, id);
}

TEST(SqlStoreTest, OpenFailsCleanlyOnAnUnusablePath) {
  TempDir dir;
  SqlStoreOptions options;
  options.path = dir.path() + "/missing-dir/memoryd.db";
  auto store = SqlStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace memoryd::store_test
