// The PostgreSQL driver on its own: placeholders, the pipeline of deferred statements, and the
// errors it must report. Runs against the throwaway cluster of the test run.
#include "store/pg_connection.h"

#include <gtest/gtest.h>

#include "store/store_contract_fixture.h"

namespace memoryd::pg {
namespace {

TEST(PgPlaceholdersTest, NumbersEveryParameterOutsideQuotes) {
  int count = 0;
  EXPECT_EQ(PgConnection::RewritePlaceholders("SELECT ? , ?2, '?', \"a?\" , ?", &count),
            "SELECT $1 , $2, '?', \"a?\" , $3");
  EXPECT_EQ(count, 3);
  EXPECT_EQ(PgConnection::RewritePlaceholders("VALUES (?1, ?3, ?2, ?1)", &count),
            "VALUES ($1, $3, $2, $1)");
  EXPECT_EQ(count, 3);
}

class PgPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = store_test::PostgresSchema::Get().FreshUrl();
    ASSERT_FALSE(url.empty());
    auto conn = PgConnection::Open(url);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(
        conn_->Exec("DROP TABLE IF EXISTS pipe; CREATE TABLE pipe(k TEXT PRIMARY KEY)").ok());
  }

  Status InsertDeferred(const std::string& key) {
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn_->Prepare("INSERT INTO pipe(k) VALUES (?)"));
    stmt.Bind(1, std::string_view(key));
    return stmt.RunDeferred();
  }

  Result<int64_t> Count() {
    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn_->Prepare("SELECT count(*) FROM pipe"));
    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Internal("no row");
    return stmt.ColumnInt(0);
  }

  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgPipelineTest, DeferredStatementsRunBeforeTheNextStatementThatWaits) {
  ASSERT_TRUE(conn_->Run("BEGIN").ok());
  const int64_t before = conn_->TotalChanges();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(InsertDeferred("k" + std::to_string(i)).ok());
  auto count = Count();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 5);
  EXPECT_EQ(conn_->TotalChanges() - before, 5);  // the deferred inserts are counted
  ASSERT_TRUE(conn_->Run("COMMIT").ok());
  EXPECT_FALSE(conn_->InTransaction());
}

TEST_F(PgPipelineTest, ManyDeferredStatementsSyncByThemselves) {
  ASSERT_TRUE(conn_->Run("BEGIN").ok());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(InsertDeferred("k" + std::to_string(i)).ok());
  ASSERT_TRUE(conn_->Flush().ok());
  ASSERT_TRUE(conn_->Run("COMMIT").ok());
  auto count = Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1000);
}

TEST_F(PgPipelineTest, ADeferredFailureSurfacesWithTheNextStatementThatWaits) {
  ASSERT_TRUE(conn_->Run("BEGIN").ok());
  ASSERT_TRUE(InsertDeferred("dup").ok());
  ASSERT_TRUE(InsertDeferred("dup").ok());  // a duplicate key, not reported yet
  ASSERT_TRUE(InsertDeferred("after").ok());
  auto count = Count();
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), StatusCode::kInternal);
  EXPECT_NE(count.status().message().find("duplicate key"), std::string::npos)
      << count.status().ToString();
  // The transaction failed: COMMIT is an error, and the connection is usable after ROLLBACK.
  EXPECT_FALSE(conn_->Run("COMMIT").ok());
  (void)conn_->Run("ROLLBACK");
  auto after = Count();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, 0);
}

TEST_F(PgPipelineTest, ADeferredFailureSurfacesAtFlush) {
  ASSERT_TRUE(conn_->Run("BEGIN").ok());
  ASSERT_TRUE(conn_->Run("SAVEPOINT op").ok());
  ASSERT_TRUE(InsertDeferred("x").ok());
  ASSERT_TRUE(InsertDeferred("x").ok());
  EXPECT_FALSE(conn_->Flush().ok());
  EXPECT_TRUE(conn_->Flush().ok());  // nothing left to answer
  ASSERT_TRUE(conn_->Run("ROLLBACK TO op").ok());
  ASSERT_TRUE(InsertDeferred("y").ok());
  ASSERT_TRUE(conn_->Run("COMMIT").ok());
  auto count = Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
}

TEST_F(PgPipelineTest, TextWithNulIsRefusedBeforeItIsSent) {
  auto stmt = conn_->Prepare("INSERT INTO pipe(k) VALUES (?)");
  ASSERT_TRUE(stmt.ok());
  stmt->Bind(1, std::string_view("a\0b", 3));
  const Status s = stmt->RunDeferred();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto count = Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

TEST_F(PgPipelineTest, TrimmingTheStatementCacheKeepsTheConnectionWorking) {
  // More distinct statements than the cache keeps, as IN lists of every length would make.
  for (size_t n = 1; n <= sql::Connection::kMaxCachedStatements + 10; ++n) {
    std::string sql = "SELECT count(*) FROM pipe WHERE k IN ('x'";
    for (size_t i = 1; i < n; ++i) sql += ", 'x" + std::to_string(i) + "'";
    auto stmt = conn_->Prepare(sql + ")");
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    ASSERT_TRUE(stmt->Step().ok());
  }
  conn_->TrimStatements();
  ASSERT_TRUE(InsertDeferred("after").ok());
  auto count = Count();  // prepared anew, under a name never used before
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 1);
  // The server let go of the statements too.
  auto held = conn_->Prepare("SELECT count(*) FROM pg_prepared_statements");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(held->Step().ok());
  EXPECT_LE(held->ColumnInt(0), 4);
}

TEST_F(PgPipelineTest, AStatementTheServerForgotMarksTheConnectionForReplacement) {
  ASSERT_TRUE(Count().ok());
  ASSERT_TRUE(conn_->Exec("DEALLOCATE ALL").ok());  // as a pooler or a restart behind us would
  auto count = Count();
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), StatusCode::kUnavailable) << count.status().ToString();
  EXPECT_TRUE(conn_->Broken());
}

}  // namespace
}  // namespace memoryd::pg
