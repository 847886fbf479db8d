// The typed fixture of the Store contract tests (store/store.h): each test runs against every
// implementation, SqlStore in a fresh temporary directory per test and InMemoryStore.
// Shared by store_contract_test.cc and store_feed_contract_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/in_memory_store.h"
#include "store/pg_connection.h"
#include "store/sql_store.h"
#include "store/sqlite_connection.h"
#include "store/store_test_util.h"

namespace memoryd::store_test {

inline constexpr int64_t kNow = 1'700'000'000'000;
inline const WriteLimits kNoLimits{};

inline std::unique_ptr<Store> OpenSqlite(const TempDir& dir) {
  if (dir.path().empty()) return nullptr;
  SqlStoreOptions options;
  options.path = dir.path() + "/memoryd.db";
  options.full_sync = false;  // durability against power loss is not under test here
  auto store = SqlStore::Open(options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

// Accounts other than the default one that the contract tests write to.
inline constexpr AccountId kOtherAccounts[] = {2, 3};

struct SqliteFactory {
  TempDir dir;
  std::unique_ptr<Store> Make() {
    auto store = OpenSqlite(dir);
    if (store != nullptr && !SeedAccounts()) return nullptr;
    return store;
  }

  // The schema only holds the default account and the Store interface cannot add one, so the
  // test adds rows itself (spaces reference accounts by foreign key).
  bool SeedAccounts() {
    auto conn = sqlite::SqliteConnection::Open(dir.path() + "/memoryd.db", /*full_sync=*/false);
    if (!conn.ok()) return false;
    for (AccountId id : kOtherAccounts) {
      const Status s =
          (*conn)->Exec("INSERT OR IGNORE INTO accounts(id, name, created_at) VALUES (" +
                        std::to_string(id) + ", 'account" + std::to_string(id) + "', 0)");
      if (!s.ok()) {
        ADD_FAILURE() << s.ToString();
        return false;
      }
    }
    return true;
  }
};

// PostgreSQL: one schema per test process, in the database of the throwaway cluster the test run
// started (tests/pg/with_cluster.sh sets MEMORYD_TEST_DATABASE_URL). The first test migrates it;
// each test then starts from empty tables (cascades empty tags and links; far cheaper than
// migrating anew), and the schema is dropped when the process ends.
class PostgresSchema {
 public:
  static PostgresSchema& Get() {
    static PostgresSchema schema;
    return schema;
  }
  ~PostgresSchema() {
    if (created_) (void)Admin("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  }

  // The URL of a store in the schema, emptied; empty after recording a failure.
  std::string FreshUrl() {
    const char* base = std::getenv("MEMORYD_TEST_DATABASE_URL");
    if (base == nullptr || *base == '\0') {
      ADD_FAILURE() << "MEMORYD_TEST_DATABASE_URL is not set: run the unit tests through "
                       "`make unit-test` or tests/pg/with_cluster.sh, which start a throwaway "
                       "PostgreSQL";
      return {};
    }
    base_ = base;
    if (!created_) {
      if (!Admin("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_)) return {};
      created_ = true;
    } else if (!Admin("DO $$ BEGIN IF to_regclass('" + name_ +
                      ".memories') IS NOT NULL THEN DELETE FROM " + name_ +
                      ".memories; DELETE FROM " + name_ + ".spaces; DELETE FROM " + name_ +
                      ".api_keys; DELETE FROM " + name_ + ".removals; DELETE FROM " + name_ +
                      ".accounts WHERE id <> 1; UPDATE " + name_ +
                      ".counters SET value = 0; END IF; END $$")) {
      return {};  // (tests of the driver alone never migrate the schema)
    }
    return base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           name_;
  }

  // Runs `sql` on a connection of the fixture's own, kept for the whole run.
  bool Admin(const std::string& sql) {
    if (admin_ == nullptr || admin_->Broken()) {
      auto conn = pg::PgConnection::Open(base_);
      if (!conn.ok()) {
        ADD_FAILURE() << conn.status().ToString();
        return false;
      }
      admin_ = std::move(conn).value();
    }
    const Status s = admin_->Exec(sql);
    if (!s.ok()) ADD_FAILURE() << s.ToString();
    return s.ok();
  }
  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<pg::PgConnection> admin_;
  std::string base_;
  // Unique per run even on a database other runs share (containers may repeat a pid).
  std::string name_ =
      "t" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}() % 1000000);
  bool created_ = false;
};

struct PostgresFactory {
  TempDir dir;  // this node's generation file

  std::unique_ptr<Store> Make() {
    PostgresSchema& schema = PostgresSchema::Get();
    const std::string url = schema.FreshUrl();
    if (url.empty()) return nullptr;
    SqlStoreOptions options;
    options.database_url = url;
    options.generation_path = dir.path() + "/memoryd.generation";
    auto store = SqlStore::Open(options);
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return nullptr;
    }
    for (AccountId id : kOtherAccounts) {
      if (!schema.Admin("INSERT INTO " + schema.name() +
                        ".accounts(id, name, created_at) VALUES (" + std::to_string(id) +
                        ", 'account" + std::to_string(id) + "', 0) ON CONFLICT DO NOTHING")) {
        return nullptr;
      }
    }
    return std::move(store).value();
  }
};

struct InMemoryFactory {
  std::unique_ptr<Store> Make() { return std::make_unique<InMemoryStore>(); }
};

inline MemoryWrite Write(std::optional<std::string> key, std::string text,
                         std::vector<std::string> tags = {},
                         std::optional<int64_t> expires_at = std::nullopt) {
  MemoryWrite w;
  w.key = std::move(key);
  w.text = std::move(text);
  w.tags = std::move(tags);
  w.expires_at = expires_at;
  return w;
}

inline WriteLimits Limits(int64_t max_memories, int64_t max_tags) {
  WriteLimits limits;
  limits.max_memories_per_space = max_memories;
  limits.max_tags_per_space = max_tags;
  return limits;
}

inline ListOptions Page(int64_t offset, int64_t limit) {
  ListOptions opts;
  opts.offset = offset;
  opts.limit = limit;
  return opts;
}

inline SpaceRef Space(std::string name, AccountId account = kDefaultAccountId) {
  return SpaceRef{account, std::move(name)};
}

inline std::vector<std::string> KeysOf(const std::vector<KeyUpdated>& listed) {
  std::vector<std::string> keys;
  for (const auto& k : listed) keys.push_back(k.key);
  return keys;
}

inline std::vector<std::string> KeysOf(const std::vector<Memory>& memories) {
  std::vector<std::string> keys;
  for (const auto& m : memories) keys.push_back(m.key.value_or(m.id));
  return keys;
}

using Keys = std::vector<std::string>;

// The value of a Result, or T{} after recording a failure at the caller's line. Unlike value(),
// never aborts the test binary when a store call unexpectedly fails.
template <typename T>
T ValueOf(Result<T> result, std::source_location where = std::source_location::current()) {
  if (result.ok()) return std::move(result).value();
  ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line())) << result.status().ToString();
  return T{};
}

template <typename Factory>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = factory_.Make();
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }

  // Puts and expects success.
  PutOutcome MustPut(const SpaceRef& space, const MemoryWrite& w, int64_t now = kNow,
                     const WriteLimits& limits = kNoLimits) {
    auto out = store_->Put(space, w, limits, now);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? std::move(out).value() : PutOutcome{};
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
};

using Factories = ::testing::Types<SqliteFactory, InMemoryFactory, PostgresFactory>;

class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, SqliteFactory>) return "Sqlite";
    return std::is_same_v<T, PostgresFactory> ? "Postgres" : "InMemory";
  }
};

inline const SpaceRef kSpace = Space("notes");

}  // namespace memoryd::store_test
