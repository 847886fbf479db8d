// The live-memory rule: one definition in C++ and in SQL, and both agree at the boundaries.
#include "store/store_rules.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>

namespace memoryd {
namespace {

TEST(StoreRulesTest, ExpiredAtOrBeforeNowIsNotLive) {
  EXPECT_TRUE(store_rules::IsLive(std::nullopt, 1000));
  EXPECT_TRUE(store_rules::IsLive(1001, 1000));
  EXPECT_FALSE(store_rules::IsLive(1000, 1000)) << "expiring now means gone";
  EXPECT_FALSE(store_rules::IsLive(999, 1000));
  Memory memory;
  memory.expires_at = 5;
  EXPECT_FALSE(store_rules::IsLive(memory, 5));
  EXPECT_TRUE(store_rules::IsLive(memory, 4));
}

TEST(StoreRulesTest, SqlFormsNameTheColumnAndTheParameter) {
  EXPECT_EQ(store_rules::LiveSql(), " (m.expires_at IS NULL OR m.expires_at > ?) ");
  EXPECT_EQ(store_rules::LiveSql("", "?2"), " (expires_at IS NULL OR expires_at > ?2) ");
  EXPECT_EQ(store_rules::ExpiredSql("x", "$1"), " x.expires_at <= $1 ");
}

// Evaluates `condition` in SQLite for a row whose expires_at is `expires_at`, at time `now`.
bool SqlHolds(const std::string& condition, std::optional<int64_t> expires_at, int64_t now) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  const std::string sql =
      "SELECT EXISTS (SELECT 1 FROM (SELECT ?1 AS expires_at) m WHERE" + condition + ")";
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  if (expires_at) sqlite3_bind_int64(stmt, 1, *expires_at);
  sqlite3_bind_int64(stmt, 2, now);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const bool holds = sqlite3_column_int(stmt, 0) != 0;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return holds;
}

TEST(StoreRulesTest, SqlAndCxxAgree) {
  for (std::optional<int64_t> expires :
       {std::optional<int64_t>(), std::optional<int64_t>(999), std::optional<int64_t>(1000),
        std::optional<int64_t>(1001)}) {
    const bool live = store_rules::IsLive(expires, 1000);
    EXPECT_EQ(SqlHolds(store_rules::LiveSql("m", "?2"), expires, 1000), live);
    if (expires) {
      EXPECT_EQ(SqlHolds(store_rules::ExpiredSql("m", "?2"), expires, 1000), !live);
    }
  }
}

}  // namespace
}  // namespace memoryd
