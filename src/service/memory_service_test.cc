// MemoryService over InMemoryStore and FakeClock: TTL expiry, input validation, tag
// normalisation, paging and search ranges. Bulk operations, limits, summaries and store failures
// are in memory_service_bulk_test.cc; authentication in memory_service_auth_test.cc.
#include "service/memory_service.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/in_memory_store.h"

namespace memoryd {
namespace {

MemoryInput Input(std::string key, std::string text, std::vector<std::string> tags = {},
                  std::optional<double> ttl_minutes = std::nullopt) {
  MemoryInput in;
  in.key = std::move(key);
  in.text = std::move(text);
  in.tags = std::move(tags);
  in.ttl_minutes = ttl_minutes;
  return in;
}

class MemoryServiceTest : public ::testing::Test {
 protected:
  MemoryServiceTest() { Reset(ServiceOptions{}); }

  void Reset(ServiceOptions options) {
    service_ = std::make_unique<MemoryService>(store_, clock_, options);
  }

  // Stores one memory and fails the test if the service refuses it.
  Memory MustPut(MemoryInput input) {
    auto out = service_->Put(space_, std::move(input));
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->memory : Memory{};
  }

  StatusCode PutCode(MemoryInput input) {
    return service_->Put(space_, std::move(input)).status().code();
  }

  InMemoryStore store_;
  FakeClock clock_;
  std::unique_ptr<MemoryService> service_;
  const SpaceRef space_{kDefaultAccountId, "default"};
};

// --- TTL ---

TEST_F(MemoryServiceTest, ExpiredMemoryIsHiddenFromEveryReadRightAfterExpiry) {
  const int64_t start = clock_.NowMillis();
  Memory temp = MustPut(Input("temp", "shared value", {"t"}, 1.0));
  ASSERT_TRUE(temp.expires_at.has_value());
  EXPECT_EQ(*temp.expires_at, start + 60'000);
  MustPut(Input("keep", "shared value", {"t"}));

  clock_.AdvanceMillis(60'000 - 1);
  ASSERT_TRUE(service_->Get(space_, "temp").ok()) << "visible 1 ms before expiry";

  clock_.AdvanceMillis(1);
  EXPECT_EQ(service_->Get(space_, "temp").status().code(), StatusCode::kNotFound);

  auto exists = service_->Exists(space_, "temp");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);

  auto page = service_->ListKeys(space_, 1, 50);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1);
  ASSERT_EQ(page->keys.size(), 1u);
  EXPECT_EQ(page->keys[0].key, "keep");

  auto found = service_->FindSubstring(space_, "shared", 50);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].key, "keep");

  auto all = service_->AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, std::vector<std::string>{"keep"});

  auto count = service_->Count(space_);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);

  auto bulk = service_->BulkGet(space_, {"temp", "keep"});
  ASSERT_TRUE(bulk.ok());
  ASSERT_EQ(bulk->size(), 2u);
  EXPECT_FALSE((*bulk)[0].has_value());
  ASSERT_TRUE((*bulk)[1].has_value());
  EXPECT_EQ((*bulk)[1]->key, "keep");

  auto tagged = service_->KeysWithTags(space_, {"t"});
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(*tagged, std::vector<std::string>{"keep"});

  EXPECT_EQ(service_->Delete(space_, "temp").code(), StatusCode::kNotFound);
}

TEST_F(MemoryServiceTest, PurgeExpiredRemovesOnlyExpiredMemories) {
  MustPut(Input("a", "x", {}, 1.0));
  MustPut(Input("b", "x", {}, 2.0));
  MustPut(Input("c", "x"));
  clock_.AdvanceMillis(60'000);

  auto purged = service_->PurgeExpired();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  auto again = service_->PurgeExpired();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0) << "a purged memory is gone, not counted twice";
  auto all = service_->AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"b", "c"}));
}

TEST_F(MemoryServiceTest, FractionalTtlMinutesBecomeMilliseconds) {
  const int64_t start = clock_.NowMillis();
  EXPECT_EQ(MustPut(Input("half", "v", {}, 0.5)).expires_at, start + 30'000);
  EXPECT_EQ(MustPut(Input("tiny", "v", {}, 0.001)).expires_at, start + 60);
  EXPECT_EQ(MustPut(Input("odd", "v", {}, 1.25)).expires_at, start + 75'000);

  clock_.AdvanceMillis(29'999);
  EXPECT_TRUE(service_->Get(space_, "half").ok());
  EXPECT_EQ(service_->Get(space_, "tiny").status().code(), StatusCode::kNotFound);
  clock_.AdvanceMillis(1);
  EXPECT_EQ(service_->Get(space_, "half").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(service_->Get(space_, "odd").ok());
}

TEST_F(MemoryServiceTest, ReplacingWithoutTtlClearsTheExpiry) {
  MustPut(Input("k", "v1", {}, 1.0));
  Memory replaced = MustPut(Input("k", "v2"));
  EXPECT_FALSE(replaced.expires_at.has_value());
  clock_.AdvanceMillis(120'000);
  auto got = service_->Get(space_, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->text, "v2");
}

TEST_F(MemoryServiceTest, InvalidTtlIsRejectedAndNothingIsStored) {
  const double bad[] = {0.0,
                        -1.0,
                        -0.0,
                        std::nan(""),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(),
                        1e12,
                        100.0 * 366 * 24 * 60 + 1};
  for (double ttl : bad) {
    EXPECT_EQ(PutCode(Input("k", "v", {}, ttl)), StatusCode::kInvalidArgument) << "ttl " << ttl;
  }
  auto count = service_->Count(space_);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  // The largest accepted value: 100 years of 366 days.
  EXPECT_TRUE(service_->Put(space_, Input("k", "v", {}, 100.0 * 366 * 24 * 60)).ok());
}

// --- keys and values ---

TEST_F(MemoryServiceTest, InvalidKeysAreRejectedByEveryKeyedCall) {
  const std::string bad_keys[] = {
      "",
      std::string(513, 'k'),
      std::string("a\0b", 3),
      "a\x1f"
      "b",
      "tab\there",
      "del\x7f",
      "\xff\xfe",
      "trunc\xc3",
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "next\xc2\x85line",  // U+0085, a C1 control
  };
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE(testing::PrintToString(key));
    EXPECT_EQ(PutCode(Input(key, "v")), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->Get(space_, key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->Exists(space_, key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->Delete(space_, key).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->BulkGet(space_, {"ok", key}).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->BulkDelete(space_, {key}).status().code(), StatusCode::kInvalidArgument);
  }
  auto count = service_->Count(space_);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

TEST_F(MemoryServiceTest, KeyErrorMessageNamesTheField) {
  auto put = service_->Put(space_, Input("", "v"));
  EXPECT_NE(put.status().message().find("'key'"), std::string::npos) << put.status().message();
}

TEST_F(MemoryServiceTest, UnicodeKeysAndKeysOfExactlyTheLimitAreAccepted) {
  const std::string keys[] = {"🙂", "ключ", "日本語のキー", std::string(512, 'k'),
                              "spaces and/slashes?&=#"};
  for (const std::string& key : keys) {
    MustPut(Input(key, "value of " + key));
    auto got = service_->Get(space_, key);
    ASSERT_TRUE(got.ok()) << key;
    EXPECT_EQ(got->text, "value of " + key);
  }
}

TEST_F(MemoryServiceTest, ValueOverTheLimitIsTooLarge) {
  ServiceOptions options;
  options.max_value_bytes = 16;
  Reset(options);
  EXPECT_EQ(PutCode(Input("k", std::string(17, 'v'))), StatusCode::kTooLarge);
  EXPECT_TRUE(service_->Put(space_, Input("k", std::string(16, 'v'))).ok());
  // The limit is in bytes: 6 two-byte characters are 12 bytes, 9 are 18.
  EXPECT_TRUE(service_->Put(space_, Input("k", "éééééé")).ok());
  EXPECT_EQ(PutCode(Input("k", "ééééééééé")), StatusCode::kTooLarge);
  auto got = service_->Get(space_, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->text, "éééééé") << "a refused write leaves the stored value alone";
}

TEST_F(MemoryServiceTest, InvalidUtf8ValueIsRejected) {
  EXPECT_EQ(PutCode(Input("k", "bad \xc3\x28 value")), StatusCode::kInvalidArgument);
}

TEST_F(MemoryServiceTest, OversizedTitleAndMetadataAreTooLarge) {
  ServiceOptions options;
  options.max_title_bytes = 8;
  options.max_metadata_bytes = 16;
  Reset(options);
  MemoryInput title = Input("k", "v");
  title.title = std::string(9, 't');
  EXPECT_EQ(PutCode(title), StatusCode::kTooLarge);
  MemoryInput metadata = Input("k", "v");
  metadata.metadata_json = R"({"long":"1234567"})";
  EXPECT_EQ(PutCode(metadata), StatusCode::kTooLarge);
}

// --- tags ---

TEST_F(MemoryServiceTest, DuplicateTagsCollapseKeepingFirstOccurrenceOrder) {
  Memory m = MustPut(Input("k", "v", {"b", "a", "b", "c", "a"}));
  EXPECT_EQ(m.tags, (std::vector<std::string>{"b", "a", "c"}));
  auto got = service_->Get(space_, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, (std::vector<std::string>{"b", "a", "c"}));
}

TEST_F(MemoryServiceTest, AtMost64DistinctTagsPerMemory) {
  std::vector<std::string> tags;
  for (int i = 0; i < 64; ++i) tags.push_back("t" + std::to_string(i));
  std::vector<std::string> with_dupes = tags;
  with_dupes.push_back("t0");  // 65 entries, 64 distinct
  EXPECT_EQ(MustPut(Input("k", "v", with_dupes)).tags.size(), 64u);

  tags.push_back("t64");
  EXPECT_EQ(PutCode(Input("k2", "v", tags)), StatusCode::kInvalidArgument);
}

TEST_F(MemoryServiceTest, InvalidTagsAreRejected) {
  const std::string bad_tags[] = {"", std::string(65, 't'), "a\nb", "\xff"};
  for (const std::string& tag : bad_tags) {
    SCOPED_TRACE(testing::PrintToString(tag));
    EXPECT_EQ(PutCode(Input("k", "v", {"fine", tag})), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->CreateTag(space_, tag).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(service_->KeysWithTags(space_, {tag}).status().code(), StatusCode::kInvalidArgument);
  }
  auto tags = service_->ListTags(space_);
  ASSERT_TRUE(tags.ok());
  EXPECT_TRUE(tags->empty()) << "a refused write creates no tags";
}

TEST_F(MemoryServiceTest, KeysWithTagsRequiresAtLeastOneTagAndMatchesAll) {
  EXPECT_EQ(service_->KeysWithTags(space_, {}).status().code(), StatusCode::kInvalidArgument);
  MustPut(Input("both", "v", {"x", "y"}));
  MustPut(Input("only-x", "v", {"x"}));
  auto both = service_->KeysWithTags(space_, {"x", "y", "x"});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(*both, std::vector<std::string>{"both"});
  auto x = service_->KeysWithTags(space_, {"x"});
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(*x, (std::vector<std::string>{"both", "only-x"}));
}

// --- paging and search ---

class MemoryServicePagingTest : public MemoryServiceTest {
 protected:
  // k1..k5, each written 1 ms after the previous one, so the newest (k5) lists first.
  void SetUp() override {
    for (int i = 1; i <= 5; ++i) {
      MustPut(Input("k" + std::to_string(i), "value " + std::to_string(i)));
      clock_.AdvanceMillis(1);
    }
  }

  std::vector<std::string> PageKeys(int64_t page, int64_t size) {
    auto out = service_->ListKeys(space_, page, size);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    std::vector<std::string> keys;
    if (!out.ok()) return keys;
    EXPECT_EQ(out->total, 5);
    for (const auto& k : out->keys) keys.push_back(k.key);
    return keys;
  }
};

TEST_F(MemoryServicePagingTest, PagesSplitTheKeysNewestFirst) {
  EXPECT_EQ(PageKeys(1, 2), (std::vector<std::string>{"k5", "k4"}));
  EXPECT_EQ(PageKeys(2, 2), (std::vector<std::string>{"k3", "k2"}));
  EXPECT_EQ(PageKeys(3, 2), std::vector<std::string>{"k1"});
  EXPECT_TRUE(PageKeys(4, 2).empty());
  EXPECT_EQ(PageKeys(1, 200).size(), 5u);
  EXPECT_EQ(PageKeys(5, 1), std::vector<std::string>{"k1"});
}

TEST_F(MemoryServicePagingTest, PageAndPageSizeOutsideTheirRangesAreRejected) {
  const std::pair<int64_t, int64_t> bad[] = {
      {0, 50}, {-1, 50}, {1, 0}, {1, -5}, {1, 201}, {std::numeric_limits<int64_t>::min(), 50}};
  for (const auto& [page, size] : bad) {
    EXPECT_EQ(service_->ListKeys(space_, page, size).status().code(), StatusCode::kInvalidArgument)
        << "page " << page << " pageSize " << size;
  }
}

TEST_F(MemoryServicePagingTest, HugePageNumberIsAnEmptyPage) {
  auto out = service_->ListKeys(space_, std::numeric_limits<int64_t>::max(), 200);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->keys.empty());
  auto big = service_->ListKeys(space_, int64_t{1} << 62, 4);
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->keys.empty());
}

TEST_F(MemoryServicePagingTest, FindSubstringLimitRangeAndEmptyQuery) {
  EXPECT_EQ(service_->FindSubstring(space_, "", 10).status().code(), StatusCode::kInvalidArgument);
  for (int64_t limit : {int64_t{0}, int64_t{-1}, int64_t{51}}) {
    EXPECT_EQ(service_->FindSubstring(space_, "value", limit).status().code(),
              StatusCode::kInvalidArgument)
        << "limit " << limit;
  }
  auto one = service_->FindSubstring(space_, "value", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].key, "k5") << "most recently updated first";
  auto fifty = service_->FindSubstring(space_, "VALUE", 50);
  ASSERT_TRUE(fifty.ok());
  EXPECT_EQ(fifty->size(), 5u) << "matching ignores ASCII case";
  auto by_key = service_->FindSubstring(space_, "K3", 50);
  ASSERT_TRUE(by_key.ok());
  ASSERT_EQ(by_key->size(), 1u);
  EXPECT_EQ((*by_key)[0].key, "k3");
}

TEST_F(MemoryServiceTest, AllKeysListsEveryKeyEvenAboveALoweredMemoryLimit) {
  for (int i = 0; i < 5; ++i) MustPut(Input("k" + std::to_string(i), "v"));
  ServiceOptions lowered;
  lowered.max_memories_per_space = 2;
  Reset(lowered);
  auto count = service_->Count(space_);
  ASSERT_TRUE(count.ok());
  auto all = service_->AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(static_cast<int64_t>(all->size()), *count);
}

TEST_F(MemoryServiceTest, AllKeysAreSortedAndSpacesAreIsolated) {
  MustPut(Input("b", "v"));
  MustPut(Input("a", "v"));
  MustPut(Input("c", "v"));
  ASSERT_TRUE(service_->Put(SpaceRef{kDefaultAccountId, "other"}, Input("z", "v")).ok());
  ASSERT_TRUE(service_->Put(SpaceRef{2, "default"}, Input("y", "v")).ok());
  auto all = service_->AllKeys(space_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace memoryd
