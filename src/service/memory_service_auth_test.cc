// MemoryService authentication, space resolution and the shared rate-limit budget.
#include <gtest/gtest.h>

#include <string>

#include "auth/api_key.h"
#include "core/clock.h"
#include "service/memory_service.h"
#include "store/in_memory_store.h"

namespace memoryd {
namespace {

class MemoryServiceAuthTest : public ::testing::Test {
 protected:
  MemoryServiceAuthTest() : service_(store_, clock_, ServiceOptions{}) {}

  // Stores a key record for `key` the way `memoryd key create` does.
  void InsertKey(const std::string& key, AccountId account, std::optional<std::string> space,
                 bool read_only) {
    ApiKeyRecord record;
    record.account_id = account;
    record.key_hash = HashApiKey(key);
    record.space = std::move(space);
    record.read_only = read_only;
    record.created_at = clock_.NowMillis();
    ASSERT_TRUE(store_.InsertApiKey(record).ok());
  }

  InMemoryStore store_;
  FakeClock clock_;
  MemoryService service_;
};

TEST_F(MemoryServiceAuthTest, StaticKeyAuthenticatesAsItsPrincipal) {
  service_.AddStaticKey("static-secret", Principal{});
  auto principal = service_.Authenticate("static-secret");
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->account_id, kDefaultAccountId);
  EXPECT_FALSE(principal->space.has_value());
  EXPECT_FALSE(principal->read_only);
}

TEST_F(MemoryServiceAuthTest, WrongOrEmptyTokenIsUnauthenticated) {
  service_.AddStaticKey("static-secret", Principal{});
  for (const char* token : {"wrong", "", "static-secre", "static-secret ", "STATIC-SECRET"}) {
    EXPECT_EQ(service_.Authenticate(token).status().code(), StatusCode::kUnauthenticated)
        << "token '" << token << "'";
  }
}

TEST_F(MemoryServiceAuthTest, KeyStoredInTheStoreAuthenticatesWithItsRestrictions) {
  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  InsertKey(*key, 7, "project", true);
  auto principal = service_.Authenticate(*key);
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->account_id, 7);
  EXPECT_EQ(principal->space, "project");
  EXPECT_TRUE(principal->read_only);

  auto other = GenerateApiKey();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(service_.Authenticate(*other).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(MemoryServiceAuthTest, ScopedPrincipalIsConfinedToItsSpace) {
  Principal scoped;
  scoped.account_id = 3;
  scoped.space = "project";

  auto own = service_.ResolveSpace(scoped, "", Access::kWrite);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->name, "project");
  EXPECT_EQ(own->account_id, 3);

  auto named = service_.ResolveSpace(scoped, "project", Access::kRead);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "project");

  EXPECT_EQ(service_.ResolveSpace(scoped, "other", Access::kRead).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(service_.ResolveSpace(scoped, "default", Access::kRead).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(MemoryServiceAuthTest, AccountWidePrincipalPicksAnySpaceAndDefaultsToDefault) {
  Principal wide;
  wide.account_id = 5;
  auto none = service_.ResolveSpace(wide, "", Access::kRead);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->name, "default");
  EXPECT_EQ(none->account_id, 5);
  auto named = service_.ResolveSpace(wide, "notes", Access::kWrite);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "notes");
}

TEST_F(MemoryServiceAuthTest, ReadOnlyPrincipalMayReadButNotWrite) {
  Principal read_only;
  read_only.read_only = true;
  EXPECT_TRUE(service_.ResolveSpace(read_only, "", Access::kRead).ok());
  EXPECT_EQ(service_.ResolveSpace(read_only, "", Access::kWrite).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(service_.ResolveSpace(read_only, "notes", Access::kWrite).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(MemoryServiceAuthTest, MalformedSpaceNamesAreInvalid) {
  const std::string bad[] = {
      "a/b", "/", "tab\tname", std::string("nul\0x", 5), "\xff", std::string(129, 's')};
  for (const std::string& name : bad) {
    EXPECT_EQ(service_.ResolveSpace(Principal{}, name, Access::kRead).status().code(),
              StatusCode::kInvalidArgument)
        << testing::PrintToString(name);
  }
  EXPECT_TRUE(service_.ResolveSpace(Principal{}, std::string(128, 's'), Access::kRead).ok());
  EXPECT_TRUE(service_.ResolveSpace(Principal{}, "проект 🙂", Access::kRead).ok());
}

TEST_F(MemoryServiceAuthTest, AdmitUsesTheConfiguredBudgetPerAccount) {
  ServiceOptions options;
  options.rate_limit_per_minute = 2;
  MemoryService limited(store_, clock_, options);
  Principal one;
  Principal two;
  two.account_id = 2;
  EXPECT_TRUE(limited.Admit(one).ok());
  EXPECT_TRUE(limited.Admit(one).ok());
  Status third = limited.Admit(one);
  EXPECT_EQ(third.code(), StatusCode::kRateLimited);
  EXPECT_GE(third.retry_after_seconds(), 1);
  EXPECT_TRUE(limited.Admit(two).ok()) << "another account has its own budget";

  // The default options do not limit.
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(service_.Admit(one).ok());
}

}  // namespace
}  // namespace memoryd
