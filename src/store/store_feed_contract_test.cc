// The Store contract, continued (store/store.h), against every implementation: the index feed
// (versions, removals, embeddings), access by id across an account's spaces, the reads search
// uses (LoadBySeqs, MatchingSeqs) and ListMemories' `before` paging.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "store/store_contract_fixture.h"

namespace memoryd::store_test {
namespace {

using Seqs = std::vector<int64_t>;

constexpr int64_t kDayMillis = 24LL * 3600 * 1000;

MemoryWrite WithEmbedding(std::optional<std::string> key, std::string text,
                          std::vector<float> embedding, std::string embedder) {
  MemoryWrite w = Write(std::move(key), std::move(text));
  w.embedding = std::move(embedding);
  w.embedder = std::move(embedder);
  return w;
}

MemoryWrite WithMetadata(std::optional<std::string> key, std::string metadata_json,
                         std::vector<std::string> tags = {}) {
  MemoryWrite w = Write(std::move(key), "text", std::move(tags));
  w.metadata_json = std::move(metadata_json);
  return w;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <typename Factory>
class StoreFeedContractTest : public StoreContractTest<Factory> {
 protected:
  int64_t Version() { return ValueOf(this->store().CurrentVersion()); }

  IndexChanges Changes(int64_t since, int64_t limit = 1000) {
    return ValueOf(this->store().ChangesSince(since, limit));
  }

  // The seqs removed after `since`, sorted, after checking that every removal names `space_id`.
  Seqs RemovedSince(int64_t since, int64_t space_id) {
    Seqs seqs;
    for (const IndexRemoval& r : Changes(since).removals) {
      EXPECT_GT(r.version, since);
      EXPECT_EQ(r.space_id, space_id);
      seqs.push_back(r.seq);
    }
    std::sort(seqs.begin(), seqs.end());
    return seqs;
  }

  int64_t SpaceId(const SpaceRef& space) {
    auto id = ValueOf(this->store().FindSpaceId(space));
    EXPECT_TRUE(id.has_value()) << space.name;
    return id.value_or(-1);
  }

  // Every record of a full scan, in the order given.
  std::vector<IndexRecord> Scan(int64_t embeddings_after, int64_t* version = nullptr) {
    std::vector<IndexRecord> records;
    auto scanned = this->store().ScanIndex(embeddings_after, [&](IndexRecord&& r) {
      records.push_back(std::move(r));
      return Status::Ok();
    });
    EXPECT_TRUE(scanned.ok()) << scanned.status().ToString();
    if (version != nullptr) *version = scanned.ok() ? *scanned : -1;
    return records;
  }

  Seqs Matching(const SearchFilter& filter, int64_t now = kNow + 100) {
    return ValueOf(this->store().MatchingSeqs(kSpace, filter, now));
  }

  // Three memories for the filter tests, created at kNow + 1, + 2 and + 3; also `expiring_`
  // (live until kNow + 50) and one in another space, which no filter of kSpace may return.
  Seqs PutFilterFixtures() {
    Seqs seqs;
    const auto put = [&](std::string key, std::string metadata, std::vector<std::string> tags,
                         int64_t now) {
      seqs.push_back(
          this->MustPut(kSpace, WithMetadata(std::move(key), std::move(metadata), std::move(tags)),
                        now)
              .memory.seq);
    };
    put("m1", R"({"s":"red","n":1,"b":true,"o":{"a":1,"l":[1,2]},"z":null})", {"x", "y"}, kNow + 1);
    put("m2", R"({"s":"blue","n":1.0,"b":false,"o":{"l":[1,2],"a":1.0}})", {"y"}, kNow + 2);
    put("m3", R"({"s":"1","n":2,"b":1,"o":"{\"a\":1}","q\"k":"v","a.b":"dot"})", {"z"}, kNow + 3);
    MemoryWrite expiring = WithMetadata("expiring", R"({"s":"red","n":1})", {"x", "y", "z"});
    expiring.expires_at = kNow + 50;
    expiring_ = this->MustPut(kSpace, expiring, kNow + 1).memory.seq;
    this->MustPut(Space("elsewhere"), WithMetadata("m1", R"({"s":"red"})", {"x"}), kNow + 1);
    return seqs;
  }

  int64_t expiring_ = 0;
};

TYPED_TEST_SUITE(StoreFeedContractTest, Factories, FactoryNames);

TYPED_TEST(StoreFeedContractTest, VersionsRiseWithEveryIndexedWriteAndNotWithReads) {
  Store& store = this->store();
  EXPECT_EQ(this->Version(), 0);
  const PutOutcome a = this->MustPut(kSpace, Write("a", "one", {"t"}));
  EXPECT_EQ(this->Version(), 1);
  this->MustPut(kSpace, Write(std::nullopt, "two"));
  EXPECT_EQ(this->Version(), 2);

  // Reads, including the feed's own, leave the version alone.
  ASSERT_TRUE(store.GetByKey(kSpace, "a", kNow).ok());
  ASSERT_TRUE(store.FindById(kDefaultAccountId, a.memory.id, kNow).ok());
  ASSERT_TRUE(store.ListMemories(kSpace, {}, kNow).ok());
  ASSERT_TRUE(store.MatchingSeqs(kSpace, {}, kNow).ok());
  ASSERT_TRUE(store.LoadBySeqs({a.memory.seq}, kNow).ok());
  ASSERT_TRUE(store.StaleEmbeddings("e", 10).ok());
  this->Changes(0);
  this->Scan(0);
  EXPECT_EQ(this->Version(), 2);

  // Replacing by key and updating by id are new versions of the same memory.
  this->MustPut(kSpace, Write("a", "one again"), kNow + 1);
  EXPECT_EQ(this->Version(), 3);
  ASSERT_TRUE(
      store.UpdateById(kDefaultAccountId, a.memory.id, Write("x", "three"), kNoLimits, kNow + 2)
          .ok());
  EXPECT_EQ(this->Version(), 4);
  const IndexChanges changes = this->Changes(2);
  ASSERT_EQ(changes.upserts.size(), 1u);
  EXPECT_EQ(changes.upserts[0].seq, a.memory.seq);
  EXPECT_EQ(changes.upserts[0].version, 4);

  // Tags are not indexed content.
  ASSERT_TRUE(store.CreateTag(kSpace, "spare", kNoLimits, kNow).ok());
  ASSERT_TRUE(store
                  .UpdateById(kDefaultAccountId, a.memory.id, Write("x", "three", {"t"}), kNoLimits,
                              kNow + 3)
                  .ok());
  EXPECT_EQ(this->Version(), 5);
  EXPECT_TRUE(ValueOf(store.DeleteTag(kSpace, "t")));
  EXPECT_EQ(this->Version(), 5);
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "a", kNow + 3)).tags, Keys{});
}

TYPED_TEST(StoreFeedContractTest, UpsertsCarryTheIndexedFields) {
  MemoryWrite w = WithEmbedding("k", "the text", {0.5f, -0.25f}, "e1");
  w.title = "The title";
  w.expires_at = kNow + 10;
  const PutOutcome put = this->MustPut(kSpace, w);
  // An expired memory still reaches the indexes, which need to drop it.
  const IndexChanges changes = this->Changes(0);
  EXPECT_TRUE(changes.complete);
  ASSERT_EQ(changes.upserts.size(), 1u);
  const IndexRecord& r = changes.upserts[0];
  EXPECT_EQ(r.seq, put.memory.seq);
  EXPECT_EQ(r.space_id, this->SpaceId(kSpace));
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.title, "The title");
  EXPECT_EQ(r.text, "the text");
  EXPECT_EQ(r.expires_at, kNow + 10);
  EXPECT_EQ(r.embedding, (std::vector<float>{0.5f, -0.25f}));
  EXPECT_EQ(r.embedder, "e1");
}

TYPED_TEST(StoreFeedContractTest, ChangesSinceComesInWindowsOfVersions) {
  Seqs seqs;
  for (int i = 0; i < 5; ++i) {
    seqs.push_back(this->MustPut(kSpace, Write("k" + std::to_string(i), "v")).memory.seq);
  }
  const auto seqs_of = [](const IndexChanges& c) {
    Seqs out;
    for (const auto& r : c.upserts) out.push_back(r.seq);
    return out;
  };
  IndexChanges first = this->Changes(0, 2);
  EXPECT_EQ(first.version, 2);
  EXPECT_EQ(seqs_of(first), (Seqs{seqs[0], seqs[1]}));
  IndexChanges second = this->Changes(first.version, 2);
  EXPECT_EQ(second.version, 4);
  EXPECT_EQ(seqs_of(second), (Seqs{seqs[2], seqs[3]}));
  IndexChanges third = this->Changes(second.version, 2);
  EXPECT_EQ(third.version, 5);
  EXPECT_EQ(seqs_of(third), Seqs{seqs[4]});
  IndexChanges none = this->Changes(third.version, 2);
  EXPECT_EQ(none.version, 5);
  EXPECT_TRUE(none.upserts.empty());
  EXPECT_TRUE(none.removals.empty());
  EXPECT_TRUE(none.complete);
  // A limit below one still makes progress.
  EXPECT_EQ(this->Changes(0, 0).version, 1);

  // A rewrite moves the memory to the end; a deletion is a removal at its own version.
  this->MustPut(kSpace, Write("k0", "again"), kNow + 1);
  ASSERT_TRUE(ValueOf(this->store().DeleteByKey(kSpace, "k1", kNow + 1)));
  const IndexChanges all = this->Changes(0);
  EXPECT_EQ(all.version, 7);
  EXPECT_EQ(seqs_of(all), (Seqs{seqs[2], seqs[3], seqs[4], seqs[0]}));
  ASSERT_EQ(all.removals.size(), 1u);
  EXPECT_EQ(all.removals[0].version, 7);
  EXPECT_EQ(all.removals[0].seq, seqs[1]);
  EXPECT_EQ(all.removals[0].space_id, this->SpaceId(kSpace));
  // The window counts removals too.
  const IndexChanges window = this->Changes(5, 1);
  EXPECT_EQ(window.version, 6);
  EXPECT_EQ(seqs_of(window), Seqs{seqs[0]});
  EXPECT_TRUE(window.removals.empty());
}

TYPED_TEST(StoreFeedContractTest, EveryDeletionPathRecordsRemovals) {
  Store& store = this->store();
  const auto put = [&](const std::string& key, std::optional<int64_t> expires = std::nullopt,
                       const SpaceRef& space = kSpace) {
    return this->MustPut(space, Write(key, "v", {}, expires)).memory.seq;
  };
  const int64_t seed = put("seed");
  const int64_t sid = this->SpaceId(kSpace);

  int64_t since = this->Version();
  ASSERT_TRUE(ValueOf(store.DeleteByKey(kSpace, "seed", kNow)));
  EXPECT_EQ(this->RemovedSince(since, sid), Seqs{seed});

  const int64_t b1 = put("b1");
  const int64_t b2 = put("b2", kNow + 10);  // expired when deleted: removed all the same
  since = this->Version();
  EXPECT_EQ(ValueOf(store.BulkDeleteByKey(kSpace, {"b1", "b2", "none"}, kNow + 20)),
            (std::vector<bool>{true, false, false}));
  EXPECT_EQ(this->RemovedSince(since, sid), (Seqs{b1, b2}));

  const PutOutcome by_id = this->MustPut(kSpace, Write("i", "v"));
  since = this->Version();
  ASSERT_TRUE(ValueOf(store.DeleteById(kDefaultAccountId, by_id.memory.id, kNow)));
  EXPECT_EQ(this->RemovedSince(since, sid), Seqs{by_id.memory.seq});

  const int64_t old = put("k", kNow + 10);
  since = this->Version();
  const int64_t fresh = this->MustPut(kSpace, Write("k", "new"), kNow + 20).memory.seq;
  EXPECT_EQ(this->RemovedSince(since, sid), Seqs{old});
  EXPECT_EQ(this->Changes(since).upserts.size(), 1u);

  const int64_t expiring = put("e", kNow + 10);
  since = this->Version();
  EXPECT_EQ(ValueOf(store.PurgeExpired(kNow + 20)), 1);
  EXPECT_EQ(this->RemovedSince(since, sid), Seqs{expiring});

  const int64_t c1 = put("c1");
  const int64_t c2 = put("c2", kNow + 10);
  since = this->Version();
  EXPECT_EQ(ValueOf(store.ClearSpace(kSpace, kNow + 20)), 2);  // "k" and "c1" are live
  EXPECT_EQ(this->RemovedSince(since, sid), (Seqs{fresh, c1, c2}));

  const SpaceRef gone = Space("gone");
  const int64_t g1 = put("g1", std::nullopt, gone);
  const int64_t g2 = put("g2", kNow + 10, gone);
  const int64_t gone_id = this->SpaceId(gone);
  EXPECT_NE(gone_id, sid);
  since = this->Version();
  EXPECT_EQ(ValueOf(store.DeleteSpace(gone, kNow + 20)), 1);
  EXPECT_EQ(this->RemovedSince(since, gone_id), (Seqs{g1, g2}));
}

TYPED_TEST(StoreFeedContractTest, AFullSpaceDroppingExpiredMemoriesRecordsRemovals) {
  const WriteLimits limits = Limits(2, 0);
  const int64_t expired =
      this->MustPut(kSpace, Write("e", "v", {}, kNow + 10), kNow, limits).memory.seq;
  this->MustPut(kSpace, Write("f", "v"), kNow, limits);
  const int64_t since = this->Version();
  this->MustPut(kSpace, Write("g", "v"), kNow + 20, limits);
  EXPECT_EQ(this->RemovedSince(since, this->SpaceId(kSpace)), Seqs{expired});
}

TYPED_TEST(StoreFeedContractTest, PrunedHistoryIsReportedIncomplete) {
  // Removals are timed by the wall clock in SqlStore, so this test lives in the present.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  this->MustPut(kSpace, Write("a", "v"), now);
  this->MustPut(kSpace, Write("b", "v"), now);
  ASSERT_TRUE(ValueOf(this->store().DeleteByKey(kSpace, "a", now)));
  const int64_t removal = this->Version();
  EXPECT_EQ(ValueOf(this->store().PurgeExpired(now + 3600 * 1000)), 0);
  EXPECT_TRUE(this->Changes(0).complete);
  ASSERT_EQ(this->Changes(0).removals.size(), 1u);

  EXPECT_EQ(ValueOf(this->store().PurgeExpired(now + kDayMillis + 60'000)), 0);
  const IndexChanges stale = this->Changes(removal - 1);
  EXPECT_FALSE(stale.complete);
  EXPECT_EQ(stale.version, removal);
  EXPECT_FALSE(this->Changes(0).complete);
  // A reader that had seen the pruned removal loses nothing.
  const IndexChanges current = this->Changes(removal);
  EXPECT_TRUE(current.complete);
  EXPECT_TRUE(current.removals.empty());
  // Newer history is still followed completely.
  this->MustPut(kSpace, Write("c", "v"), now);
  ASSERT_TRUE(ValueOf(this->store().DeleteByKey(kSpace, "c", now)));
  const IndexChanges after = this->Changes(removal);
  EXPECT_TRUE(after.complete);
  EXPECT_EQ(after.removals.size(), 1u);
}

TYPED_TEST(StoreFeedContractTest, ScanIndexSendsEmbeddingsOnlyAfterAVersion) {
  const int64_t a = this->MustPut(kSpace, WithEmbedding("a", "v", {1, 2}, "e1")).memory.seq;
  const int64_t b = this->MustPut(kSpace, Write("b", "v", {}, kNow + 10)).memory.seq;
  const int64_t c = this->MustPut(Space("other"), WithEmbedding("c", "v", {3}, "e2")).memory.seq;
  int64_t version = 0;
  std::vector<IndexRecord> all = this->Scan(0, &version);
  EXPECT_EQ(version, 3);
  ASSERT_EQ(all.size(), 3u);  // the expired memory too
  EXPECT_EQ(all[0].seq, a);
  EXPECT_EQ(all[0].embedding, (std::vector<float>{1, 2}));
  EXPECT_EQ(all[1].seq, b);
  EXPECT_TRUE(all[1].embedding.empty());
  EXPECT_EQ(all[1].expires_at, kNow + 10);
  EXPECT_EQ(all[2].seq, c);
  EXPECT_EQ(all[2].space_id, this->SpaceId(Space("other")));
  EXPECT_EQ(all[2].embedding, std::vector<float>{3});

  // After version 1 only c's embedding is new; a still names its embedder.
  std::vector<IndexRecord> newer = this->Scan(1);
  ASSERT_EQ(newer.size(), 3u);
  EXPECT_TRUE(newer[0].embedding.empty());
  EXPECT_EQ(newer[0].embedder, "e1");
  EXPECT_EQ(newer[2].embedding, std::vector<float>{3});
  for (const IndexRecord& r : this->Scan(3)) EXPECT_TRUE(r.embedding.empty());

  // The callback's failure ends the scan and is returned.
  int calls = 0;
  auto failed = this->store().ScanIndex(0, [&](IndexRecord&&) {
    ++calls;
    return Status::Internal("stop");
  });
  EXPECT_EQ(failed.status().message(), "stop");
  EXPECT_EQ(calls, 1);
}

TYPED_TEST(StoreFeedContractTest, SetEmbeddingRefusesAStaleVersion) {
  Store& store = this->store();
  const int64_t seq = this->MustPut(kSpace, Write("a", "v")).memory.seq;
  EXPECT_TRUE(ValueOf(store.SetEmbedding(seq, 1, {0.25f}, "e1")));
  EXPECT_EQ(this->Version(), 2);
  EXPECT_FALSE(ValueOf(store.SetEmbedding(seq, 1, {0.5f}, "e1")));  // it changed since 1
  EXPECT_FALSE(ValueOf(store.SetEmbedding(seq + 100, 2, {0.5f}, "e1")));
  EXPECT_EQ(this->Version(), 2);
  std::vector<IndexRecord> records = this->Scan(0);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].version, 2);
  EXPECT_EQ(records[0].embedding, std::vector<float>{0.25f});
  EXPECT_EQ(records[0].embedder, "e1");

  // Rewriting the text drops an embedding that no longer describes it.
  this->MustPut(kSpace, Write("a", "new text"), kNow + 1);
  EXPECT_FALSE(ValueOf(store.SetEmbedding(seq, 2, {0.5f}, "e1")));
  records = this->Scan(0);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].embedding.empty());
  EXPECT_EQ(ValueOf(store.CountStaleEmbeddings("e1")), 1);
}

TYPED_TEST(StoreFeedContractTest, StaleEmbeddingsAreMissingOrFromAnotherEmbedder) {
  Store& store = this->store();
  MemoryWrite a = Write("a", "text a");
  a.title = "A";
  const int64_t seq_a = this->MustPut(kSpace, a).memory.seq;
  this->MustPut(kSpace, WithEmbedding("b", "v", {1}, "e1"));
  const int64_t seq_c = this->MustPut(kSpace, WithEmbedding("c", "v", {1}, "e2")).memory.seq;
  const int64_t seq_d = this->MustPut(Space("x"), Write("d", "v", {}, kNow + 1)).memory.seq;
  // An embedder name without a vector is no embedding.
  MemoryWrite named = Write(std::nullopt, "v");
  named.embedder = "e1";
  const int64_t seq_e = this->MustPut(kSpace, named).memory.seq;

  const auto tasks = ValueOf(store.StaleEmbeddings("e1", 10));
  Seqs seqs;
  for (const auto& t : tasks) seqs.push_back(t.seq);
  EXPECT_EQ(seqs, (Seqs{seq_a, seq_c, seq_d, seq_e}));
  ASSERT_FALSE(tasks.empty());
  EXPECT_EQ(tasks[0].version, 1);
  EXPECT_EQ(tasks[0].key, "a");
  EXPECT_EQ(tasks[0].title, "A");
  EXPECT_EQ(tasks[0].text, "text a");
  EXPECT_EQ(ValueOf(store.StaleEmbeddings("e1", 2)).size(), 2u);
  EXPECT_EQ(ValueOf(store.CountStaleEmbeddings("e1")), 4);
  EXPECT_EQ(ValueOf(store.CountStaleEmbeddings("e2")), 4);

  EXPECT_TRUE(ValueOf(store.SetEmbedding(seq_a, tasks[0].version, {2}, "e1")));
  EXPECT_EQ(ValueOf(store.CountStaleEmbeddings("e1")), 3);
  EXPECT_EQ(ValueOf(store.StaleEmbeddings("e1", 10)).front().seq, seq_c);
}

TYPED_TEST(StoreFeedContractTest, SetEmbeddingsStoresABatchAndMarksRefusedTexts) {
  Store& store = this->store();
  const int64_t a = this->MustPut(kSpace, Write("a", "v")).memory.seq;
  const int64_t b = this->MustPut(kSpace, Write("b", "v")).memory.seq;
  const int64_t c = this->MustPut(kSpace, Write("c", "v")).memory.seq;
  this->MustPut(kSpace, Write("c", "rewritten before its vector came"), kNow + 1);
  EXPECT_EQ(this->Version(), 4);
  const std::vector<EmbeddingUpdate> updates = {{a, 1, {0.5f}}, {b, 2, {}}, {c, 3, {0.25f}}};
  EXPECT_EQ(ValueOf(store.SetEmbeddings(updates, "e1")), 2);
  EXPECT_EQ(this->Version(), 6);
  // b was refused by the embedder: no vector, but not stale for it either; c changed since.
  const auto stale = ValueOf(store.StaleEmbeddings("e1", 10));
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].seq, c);
  EXPECT_EQ(ValueOf(store.CountStaleEmbeddings("e1")), 1);
  EXPECT_EQ(ValueOf(store.CountStaleEmbeddings("e2")), 3) << "another embedder tries them all";
  for (const IndexRecord& r : this->Scan(0)) {
    const std::vector<float> expected =
        r.seq == a ? std::vector<float>{0.5f} : std::vector<float>{};
    EXPECT_EQ(r.embedding, expected) << "seq " << r.seq;
  }
  EXPECT_EQ(ValueOf(store.SetEmbeddings({}, "e1")), 0);
}

TYPED_TEST(StoreFeedContractTest, EmbeddingsRoundTripBitExact) {
  using F = std::numeric_limits<float>;
  const std::vector<float> vector = {0.1f,        -0.0f,        F::denorm_min(), F::max(),
                                     F::lowest(), F::epsilon(), 1.0f / 3.0f,     F::infinity()};
  const int64_t seq = this->MustPut(kSpace, WithEmbedding("a", "v", vector, "e")).memory.seq;
  const IndexChanges changes = this->Changes(0);
  ASSERT_EQ(changes.upserts.size(), 1u);
  EXPECT_TRUE(SameBits(changes.upserts[0].embedding, vector));
  std::vector<float> reversed(vector.rbegin(), vector.rend());
  ASSERT_TRUE(ValueOf(this->store().SetEmbedding(seq, 1, reversed, "e")));
  const std::vector<IndexRecord> records = this->Scan(0);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(SameBits(records[0].embedding, reversed));
}

TYPED_TEST(StoreFeedContractTest, SpaceIdsAreStablePerSpace) {
  Store& store = this->store();
  EXPECT_EQ(ValueOf(store.FindSpaceId(kSpace)), std::nullopt);
  this->MustPut(kSpace, Write("a", "v"));
  const int64_t id = this->SpaceId(kSpace);
  this->MustPut(kSpace, Write("b", "v"));
  ASSERT_TRUE(store.ClearSpace(kSpace, kNow).ok());
  EXPECT_EQ(this->SpaceId(kSpace), id);
  this->MustPut(Space("other"), Write("a", "v"));
  this->MustPut(Space("notes", kOtherAccounts[0]), Write("a", "v"));
  EXPECT_NE(this->SpaceId(Space("other")), id);
  EXPECT_NE(this->SpaceId(Space("notes", kOtherAccounts[0])), id);
  EXPECT_NE(this->SpaceId(Space("other")), this->SpaceId(Space("notes", kOtherAccounts[0])));
}

TYPED_TEST(StoreFeedContractTest, FindByIdSearchesEverySpaceOfTheAccountOnly) {
  Store& store = this->store();
  const AccountId other = kOtherAccounts[0];
  this->MustPut(Space("a"), Write("k", "in a"));
  const PutOutcome in_b = this->MustPut(Space("b"), Write("k", "in b", {"t"}));
  const PutOutcome theirs = this->MustPut(Space("a", other), Write("k", "theirs"));
  const PutOutcome expiring = this->MustPut(Space("a"), Write("e", "v", {}, kNow + 10));

  const Memory found = ValueOf(store.FindById(kDefaultAccountId, in_b.memory.id, kNow));
  EXPECT_EQ(found.space, "b");
  EXPECT_EQ(found.text, "in b");
  EXPECT_EQ(found.tags, Keys{"t"});
  EXPECT_EQ(found.seq, in_b.memory.seq);
  EXPECT_EQ(store.FindById(other, in_b.memory.id, kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store.FindById(other, theirs.memory.id, kNow)).text, "theirs");
  EXPECT_EQ(store.FindById(kDefaultAccountId, theirs.memory.id, kNow).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(store.FindById(kDefaultAccountId, expiring.memory.id, kNow).ok());
  EXPECT_EQ(store.FindById(kDefaultAccountId, expiring.memory.id, kNow + 10).status().code(),
            StatusCode::kNotFound);
}

TYPED_TEST(StoreFeedContractTest, UpdateByIdKeepsIdentityAndReplacesContent) {
  Store& store = this->store();
  const SpaceRef space = Space("b");
  MemoryWrite original = WithMetadata("k", R"({"n":1})", {"old"});
  original.expires_at = kNow + 1'000;
  const PutOutcome put = this->MustPut(space, original);

  MemoryWrite update = WithEmbedding("ignored", "new text", {0.5f}, "e1");
  update.title = "New";
  update.tags = {"new", "old", "new"};
  update.metadata_json = R"({"n":2})";
  auto updated = store.UpdateById(kDefaultAccountId, put.memory.id, update, kNoLimits, kNow + 5);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->id, put.memory.id);
  EXPECT_EQ(updated->seq, put.memory.seq);
  EXPECT_EQ(updated->key, "k");
  EXPECT_EQ(updated->space, "b");
  EXPECT_EQ(updated->created_at, kNow);
  EXPECT_EQ(updated->updated_at, kNow + 5);
  EXPECT_EQ(updated->title, "New");
  EXPECT_EQ(updated->text, "new text");
  EXPECT_EQ(updated->tags, (Keys{"new", "old"}));
  EXPECT_EQ(updated->metadata_json, R"({"n":2})");
  EXPECT_EQ(updated->expires_at, std::nullopt);

  const Memory got = ValueOf(store.GetByKey(space, "k", kNow + 5'000));  // no longer expires
  EXPECT_EQ(got.id, put.memory.id);
  EXPECT_EQ(got.tags, (Keys{"new", "old"}));
  EXPECT_EQ(got.metadata_json, R"({"n":2})");
  EXPECT_EQ(store.GetByKey(space, "ignored", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store.ListTags(space)), (Keys{"new", "old"}));
  EXPECT_EQ(ValueOf(store.KeysWithAllTags(space, {"new"}, kNow)), Keys{"k"});
  const std::vector<IndexRecord> records = this->Scan(0);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].embedding, std::vector<float>{0.5f});
  EXPECT_EQ(records[0].embedder, "e1");
}

TYPED_TEST(StoreFeedContractTest, UpdateByIdFailsWithoutChangingAnything) {
  Store& store = this->store();
  const PutOutcome put = this->MustPut(kSpace, Write("k", "v", {"a"}));
  const int64_t version = this->Version();
  auto over = store.UpdateById(kDefaultAccountId, put.memory.id, Write("k", "x", {"b", "c"}),
                               Limits(0, 2), kNow);
  EXPECT_EQ(over.status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(store.UpdateById(kDefaultAccountId, "missing", Write("k", "x"), kNoLimits, kNow)
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store.UpdateById(kOtherAccounts[0], put.memory.id, Write("k", "x"), kNoLimits, kNow)
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store.GetByKey(kSpace, "k", kNow)).text, "v");
  EXPECT_EQ(ValueOf(store.ListTags(kSpace)), Keys{"a"});
  EXPECT_EQ(this->Version(), version);
}

TYPED_TEST(StoreFeedContractTest, DeleteByIdDeletesOnlyALiveMemoryOfTheAccount) {
  Store& store = this->store();
  const PutOutcome put = this->MustPut(Space("b"), Write("k", "v"));
  const PutOutcome expiring = this->MustPut(Space("b"), Write("e", "v", {}, kNow + 10));
  EXPECT_FALSE(ValueOf(store.DeleteById(kOtherAccounts[0], put.memory.id, kNow)));
  EXPECT_FALSE(ValueOf(store.DeleteById(kDefaultAccountId, expiring.memory.id, kNow + 10)));
  EXPECT_TRUE(ValueOf(store.DeleteById(kDefaultAccountId, put.memory.id, kNow)));
  EXPECT_FALSE(ValueOf(store.DeleteById(kDefaultAccountId, put.memory.id, kNow)));
  EXPECT_EQ(store.GetByKey(Space("b"), "k", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOf(store.CountMemories(Space("b"), kNow)), 1);
}

TYPED_TEST(StoreFeedContractTest, LoadBySeqsKeepsTheAskedOrderAndSkipsTheMissing) {
  const Memory a = this->MustPut(Space("x"), Write("a", "va")).memory;
  const Memory b = this->MustPut(Space("y"), Write("b", "vb", {"t"})).memory;
  const Memory e = this->MustPut(Space("x"), Write("e", "ve", {}, kNow + 10)).memory;
  ASSERT_TRUE(ValueOf(this->store().DeleteByKey(Space("x"), "a", kNow)));
  const Memory c = this->MustPut(Space("x"), Write("c", "vc")).memory;

  const auto loaded = ValueOf(
      this->store().LoadBySeqs({c.seq, b.seq, a.seq, e.seq, b.seq + c.seq + 100}, kNow + 10));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].id, c.id);
  EXPECT_EQ(loaded[0].space, "x");
  EXPECT_EQ(loaded[1].id, b.id);
  EXPECT_EQ(loaded[1].space, "y");
  EXPECT_EQ(loaded[1].tags, Keys{"t"});
  EXPECT_EQ(loaded[1].text, "vb");
  EXPECT_TRUE(ValueOf(this->store().LoadBySeqs({}, kNow)).empty());
  EXPECT_EQ(ValueOf(this->store().LoadBySeqs({e.seq}, kNow)).size(), 1u);
}

TYPED_TEST(StoreFeedContractTest, LoadBySeqsOfManyMemoriesKeepsTheAskedOrder) {
  // More seqs than one statement of a batching backend takes, in an order of their own.
  std::vector<int64_t> seqs;
  for (int i = 0; i < 75; ++i) {
    seqs.push_back(this->MustPut(Space("x"), Write("k" + std::to_string(i), "v")).memory.seq);
  }
  std::reverse(seqs.begin(), seqs.end());
  std::rotate(seqs.begin(), seqs.begin() + 30, seqs.end());
  const auto loaded = ValueOf(this->store().LoadBySeqs(seqs, kNow));
  ASSERT_EQ(loaded.size(), seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(loaded[i].seq, seqs[i]) << i;
}

SearchFilter Metadata(std::string key, std::string json_value) {
  SearchFilter f;
  f.metadata.push_back({std::move(key), std::move(json_value)});
  return f;
}

TYPED_TEST(StoreFeedContractTest, MatchingSeqsFiltersByTags) {
  const Seqs m = this->PutFilterFixtures();
  EXPECT_EQ(this->Matching({}), m);
  SearchFilter any;
  any.tags_any = {"x", "z"};
  EXPECT_EQ(this->Matching(any), (Seqs{m[0], m[2]}));
  any.tags_any = {"nope"};
  EXPECT_EQ(this->Matching(any), Seqs{});
  SearchFilter all;
  all.tags_all = {"x", "y"};
  EXPECT_EQ(this->Matching(all), Seqs{m[0]});
  all.tags_all = {"y", "y"};
  EXPECT_EQ(this->Matching(all), (Seqs{m[0], m[1]}));
  all.tags_all = {"y", "nope"};
  EXPECT_EQ(this->Matching(all), Seqs{});
  SearchFilter both;
  both.tags_any = {"x", "z"};
  both.tags_all = {"y"};
  EXPECT_EQ(this->Matching(both), Seqs{m[0]});
  EXPECT_EQ(ValueOf(this->store().MatchingSeqs(Space("unknown"), any, kNow)), Seqs{});
}

TYPED_TEST(StoreFeedContractTest, MatchingSeqsFiltersByCreationTimeExclusively) {
  const Seqs m = this->PutFilterFixtures();
  SearchFilter f;
  f.created_after = kNow + 1;
  EXPECT_EQ(this->Matching(f), (Seqs{m[1], m[2]}));
  f.created_before = kNow + 3;
  EXPECT_EQ(this->Matching(f), Seqs{m[1]});
  f.created_after.reset();
  EXPECT_EQ(this->Matching(f), (Seqs{m[0], m[1]}));
}

TYPED_TEST(StoreFeedContractTest, MatchingSeqsComparesMetadataAsJsonValues) {
  const Seqs m = this->PutFilterFixtures();
  EXPECT_EQ(this->Matching(Metadata("s", R"("red")")), Seqs{m[0]});
  EXPECT_EQ(this->Matching(Metadata("s", R"("1")")), Seqs{m[2]});  // a string is not a number
  EXPECT_EQ(this->Matching(Metadata("s", "1")), Seqs{});
  EXPECT_EQ(this->Matching(Metadata("n", "1")), (Seqs{m[0], m[1]}));  // 1 equals 1.0
  EXPECT_EQ(this->Matching(Metadata("n", "1.0")), (Seqs{m[0], m[1]}));
  EXPECT_EQ(this->Matching(Metadata("n", "2")), Seqs{m[2]});
  EXPECT_EQ(this->Matching(Metadata("b", "true")), Seqs{m[0]});  // true is not 1
  EXPECT_EQ(this->Matching(Metadata("b", "false")), Seqs{m[1]});
  EXPECT_EQ(this->Matching(Metadata("b", "1")), Seqs{m[2]});
  // Objects compare member by member in any order; a string holding JSON is still a string.
  EXPECT_EQ(this->Matching(Metadata("o", R"({"l":[1,2],"a":1})")), (Seqs{m[0], m[1]}));
  EXPECT_EQ(this->Matching(Metadata("o", R"({"a":1})")), Seqs{});
  EXPECT_EQ(this->Matching(Metadata("o", R"({"a":1,"l":[2,1]})")), Seqs{});
  // null matches an explicit null only, not a missing field.
  EXPECT_EQ(this->Matching(Metadata("z", "null")), Seqs{m[0]});
  EXPECT_EQ(this->Matching(Metadata("missing", "null")), Seqs{});
  EXPECT_EQ(this->Matching(Metadata("a.b", R"("dot")")), Seqs{m[2]});
  EXPECT_EQ(this->Matching(Metadata("a", R"("dot")")), Seqs{});

  SearchFilter two = Metadata("n", "1");
  two.metadata.push_back({"s", R"("blue")"});
  EXPECT_EQ(this->Matching(two), Seqs{m[1]});
}

TYPED_TEST(StoreFeedContractTest, MetadataKeysAndValuesCannotBreakTheQuery) {
  const Seqs m = this->PutFilterFixtures();
  // Keys are matched exactly, whatever they hold; nothing is spliced into SQL or a JSON path.
  EXPECT_EQ(this->Matching(Metadata("q\"k", R"("v")")), Seqs{m[2]});
  for (const std::string key : {"s' OR 1=1 --", "s\") OR 1=1 --", "$", "s\"", "\"s\"", ""}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(this->Matching(Metadata(key, R"("red")")), Seqs{});
  }
  // A value that is not JSON matches nothing.
  EXPECT_EQ(this->Matching(Metadata("s", "red")), Seqs{});
  EXPECT_EQ(this->Matching(Metadata("s", "")), Seqs{});
}

TYPED_TEST(StoreFeedContractTest, MatchingSeqsCombinesEveryCondition) {
  const Seqs m = this->PutFilterFixtures();
  SearchFilter f = Metadata("n", "1");
  f.tags_any = {"x", "y"};
  f.created_before = kNow + 2;
  EXPECT_EQ(this->Matching(f), Seqs{m[0]});
  f.tags_all = {"z"};
  EXPECT_EQ(this->Matching(f), Seqs{});
  // Expired memories never match.
  EXPECT_EQ(this->Matching(Metadata("s", R"("red")"), kNow + 49), (Seqs{m[0], this->expiring_}));
  EXPECT_EQ(this->Matching(Metadata("s", R"("red")"), kNow + 50), Seqs{m[0]});
}

TYPED_TEST(StoreFeedContractTest, ListMemoriesPagesBeforeAPosition) {
  // Two memories share each creation time, so the seq breaks ties.
  for (int i = 0; i < 7; ++i) {
    this->MustPut(kSpace, Write("k" + std::to_string(i), "v"), kNow + i / 2);
  }
  const Keys newest_first = {"k6", "k5", "k4", "k3", "k2", "k1", "k0"};
  EXPECT_EQ(KeysOf(ValueOf(this->store().ListMemories(kSpace, Page(0, 10), kNow))), newest_first);
  Keys paged;
  ListOptions opts = Page(0, 3);
  for (int pages = 0; pages < 5; ++pages) {
    const auto page = ValueOf(this->store().ListMemories(kSpace, opts, kNow));
    if (page.empty()) break;
    for (const Memory& m : page) paged.push_back(*m.key);
    opts.before = std::make_pair(page.back().created_at, page.back().seq);
  }
  EXPECT_EQ(paged, newest_first);
  // A position between two memories of the same time starts at the older one.
  const Memory k3 = ValueOf(this->store().GetByKey(kSpace, "k3", kNow));
  opts = Page(0, 2);
  opts.before = std::make_pair(k3.created_at, k3.seq);
  EXPECT_EQ(KeysOf(ValueOf(this->store().ListMemories(kSpace, opts, kNow))), (Keys{"k2", "k1"}));
  opts.offset = 1;
  EXPECT_EQ(KeysOf(ValueOf(this->store().ListMemories(kSpace, opts, kNow))), (Keys{"k1", "k0"}));
}

}  // namespace
}  // namespace memoryd::store_test
