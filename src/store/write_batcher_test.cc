#include "store/write_batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_connection.h"
#include "store/sqlite_connection.h"
#include "store/store_contract_fixture.h"
#include "store/store_test_util.h"

namespace memoryd::sqlstore {
namespace {

using store_test::TempDir;

// Deferred (Statement::RunDeferred): on PostgreSQL its failure, such as a duplicate key, surfaces
// only when the batcher flushes the operation, which must still fail that operation alone.
Status Insert(Connection& conn, const std::string& key) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("INSERT INTO kv(k) VALUES (?)"));
  stmt.Bind(1, std::string_view(key));
  return stmt.RunDeferred();
}

// Every test runs on SQLite and on PostgreSQL, where the batcher runs a batch optimistically
// first (without savepoints) and sends deferred statements in a pipeline.
class WriteBatcherTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    path_ = dir_.path() + "/batcher.db";
    if (GetParam() == "Postgres") url_ = store_test::PostgresSchema::Get().FreshUrl();
    ASSERT_TRUE(GetParam() != "Postgres" || !url_.empty());
    auto writer = Open();
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE(
        (*writer)->Exec("DROP TABLE IF EXISTS kv; CREATE TABLE kv(k TEXT PRIMARY KEY)").ok());
    auto generation = SharedGeneration::Open(path_ + ".generation");
    ASSERT_TRUE(generation.ok()) << generation.status().ToString();
    generation_ = std::move(generation).value();
    batcher_ = std::make_unique<WriteBatcher>(std::move(writer).value(), generation_.get());
  }

  Result<std::unique_ptr<Connection>> Open() {
    if (!url_.empty()) {
      MEMORYD_ASSIGN_OR_RETURN(auto conn, pg::PgConnection::Open(url_));
      return std::unique_ptr<Connection>(std::move(conn));
    }
    MEMORYD_ASSIGN_OR_RETURN(auto conn, sqlite::SqliteConnection::Open(path_, false));
    return std::unique_ptr<Connection>(std::move(conn));
  }

  // The committed keys in byte order, read through a connection of its own.
  std::vector<std::string> CommittedKeys() {
    std::vector<std::string> keys;
    auto reader = Open();
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return keys;
    auto stmt = (*reader)->Prepare("SELECT k FROM kv");
    EXPECT_TRUE(stmt.ok());
    if (!stmt.ok()) return keys;
    for (;;) {
      auto row = stmt->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) break;
      keys.push_back(stmt->ColumnText(0));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  TempDir dir_;
  std::string path_;
  std::string url_;  // PostgreSQL: the test schema's
  std::unique_ptr<SharedGeneration> generation_;
  std::unique_ptr<WriteBatcher> batcher_;
};

using Keys = std::vector<std::string>;

TEST_P(WriteBatcherTest, CommitsBeforeReturning) {
  ASSERT_TRUE(batcher_->Submit([](Connection& conn) { return Insert(conn, "a"); }).ok());
  EXPECT_EQ(CommittedKeys(), Keys{"a"});
}

TEST_P(WriteBatcherTest, BumpsTheGenerationOnlyWhenRowsChanged) {
  const uint64_t start = generation_->Load();
  ASSERT_TRUE(batcher_->Submit([](Connection& conn) { return Insert(conn, "a"); }).ok());
  const uint64_t after_insert = generation_->Load();
  EXPECT_GT(after_insert, start);
  // Reading, or changing nothing, leaves every process's cached reads valid.
  ASSERT_TRUE(batcher_
                  ->Submit([](Connection& conn) {
                    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT count(*) FROM kv"));
                    return stmt.Step().status();
                  })
                  .ok());
  ASSERT_TRUE(
      batcher_->Submit([](Connection& conn) { return conn.Exec("DELETE FROM kv WHERE k = 'zz'"); })
          .ok());
  EXPECT_EQ(generation_->Load(), after_insert);
  // A change that is rolled back still counts: the bump is conservative.
  (void)batcher_->Submit([](Connection& conn) {
    MEMORYD_RETURN_IF_ERROR(Insert(conn, "undone"));
    return Status::InvalidArgument("no");
  });
  EXPECT_GT(generation_->Load(), after_insert);
}

TEST_P(WriteBatcherTest, AChangeThatReachesOnlyKeysLeavesCachedMemoriesValid) {
  const uint64_t start = generation_->Load();
  ASSERT_TRUE(batcher_
                  ->Submit([](Connection& conn) { return Insert(conn, "key-use"); },
                           WriteBatcher::Reach::kKeysOnly)
                  .ok());
  EXPECT_EQ(CommittedKeys(), Keys{"key-use"});
  EXPECT_EQ(generation_->Load(), start);
}

TEST_P(WriteBatcherTest, AThrowingOpFailsItsBatchAndLeavesTheBatcherUsable) {
  const Status s = batcher_->Submit([](Connection& conn) -> Status {
    MEMORYD_RETURN_IF_ERROR(Insert(conn, "partial"));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  ASSERT_TRUE(batcher_->Submit([](Connection& conn) { return Insert(conn, "after"); }).ok());
  EXPECT_EQ(CommittedKeys(), Keys{"after"});
}

TEST_P(WriteBatcherTest, FailingOpRollsBackAlone) {
  const Status s = batcher_->Submit([](Connection& conn) {
    MEMORYD_RETURN_IF_ERROR(Insert(conn, "partial"));
    return Status::InvalidArgument("changed my mind");
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "changed my mind");
  ASSERT_TRUE(batcher_->Submit([](Connection& conn) { return Insert(conn, "b"); }).ok());
  EXPECT_EQ(CommittedKeys(), Keys{"b"});
}

// A leader op holds the writer while the others queue behind it, so they are (very likely)
// committed as one batch. The assertions hold however the ops end up grouped.
TEST_P(WriteBatcherTest, FailingOpInABatchRollsBackAloneWhileOthersCommit) {
  std::latch leader_running(1);
  std::latch release_leader(1);
  std::thread leader([&] {
    EXPECT_TRUE(batcher_
                    ->Submit([&](Connection& conn) {
                      leader_running.count_down();
                      release_leader.wait();
                      return Insert(conn, "leader");
                    })
                    .ok());
  });
  leader_running.wait();

  struct Case {
    std::string name;
    WriteBatcher::Op op;
    StatusCode expected;
  };
  std::vector<Case> cases = {
      {"ok1", [](Connection& c) { return Insert(c, "ok1"); }, StatusCode::kOk},
      {"refuses",
       [](Connection& c) {
         MEMORYD_RETURN_IF_ERROR(Insert(c, "refused"));
         return Status::LimitExceeded("no");
       },
       StatusCode::kLimitExceeded},
      {"ok2", [](Connection& c) { return Insert(c, "ok2"); }, StatusCode::kOk},
      {"sql error",  // a duplicate primary key: the database itself rejects the op
       [](Connection& c) {
         MEMORYD_RETURN_IF_ERROR(Insert(c, "dup-partial"));
         MEMORYD_RETURN_IF_ERROR(Insert(c, "dup"));
         return Insert(c, "dup");
       },
       StatusCode::kInternal},
      {"ok3", [](Connection& c) { return Insert(c, "ok3"); }, StatusCode::kOk},
  };
  std::latch submitting(static_cast<std::ptrdiff_t>(cases.size()));
  std::vector<Status> results(cases.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cases.size(); ++i) {
    threads.emplace_back([&, i] {
      submitting.count_down();
      results[i] = batcher_->Submit(cases[i].op);
    });
  }
  submitting.wait();
  // Gives the submitters time to queue; correctness does not depend on it.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release_leader.count_down();
  leader.join();
  for (auto& t : threads) t.join();

  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(results[i].code(), cases[i].expected)
        << cases[i].name << ": " << results[i].ToString();
  }
  EXPECT_EQ(CommittedKeys(), (Keys{"leader", "ok1", "ok2", "ok3"}));
}

TEST_P(WriteBatcherTest, ConcurrentSubmitsAllComplete) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = std::to_string(t) + "-" + std::to_string(i);
        // Every tenth op fails on purpose; its neighbours in the batch must not notice.
        const bool fail = i % 10 == 9;
        const Status s = batcher_->Submit([&](Connection& conn) {
          MEMORYD_RETURN_IF_ERROR(Insert(conn, key));
          return fail ? Status::Conflict("planned") : Status::Ok();
        });
        if (s.ok() == fail) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const Keys keys = CommittedKeys();
  EXPECT_EQ(keys.size(), static_cast<size_t>(kThreads * kPerThread * 9 / 10));
  for (const auto& key : keys) EXPECT_NE(key.back(), '9') << key;
}

TEST_P(WriteBatcherTest, OpsSeeEarlierCommittedWrites) {
  ASSERT_TRUE(batcher_->Submit([](Connection& conn) { return Insert(conn, "x"); }).ok());
  int64_t seen = -1;
  ASSERT_TRUE(batcher_
                  ->Submit([&](Connection& conn) -> Status {
                    MEMORYD_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT COUNT(*) FROM kv"));
                    MEMORYD_ASSIGN_OR_RETURN(bool row, stmt.Step());
                    if (row) seen = stmt.ColumnInt(0);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(seen, 1);
}

TEST_P(WriteBatcherTest, ManyDistinctStatementsAreTrimmedBetweenBatches) {
  // One statement text per batch, more than a connection keeps prepared.
  for (size_t n = 0; n < Connection::kMaxCachedStatements + 20; ++n) {
    ASSERT_TRUE(batcher_
                    ->Submit([n](Connection& conn) -> Status {
                      MEMORYD_ASSIGN_OR_RETURN(
                          auto stmt,
                          conn.Prepare("SELECT count(*) + " + std::to_string(n) + " FROM kv"));
                      return stmt.Step().status();
                    })
                    .ok());
  }
  ASSERT_TRUE(batcher_->Submit([](Connection& conn) { return Insert(conn, "still"); }).ok());
  EXPECT_EQ(CommittedKeys(), Keys{"still"});
}

TEST_P(WriteBatcherTest, RememberedIdsAreForgottenWhenATransactionEnds) {
  ASSERT_TRUE(batcher_
                  ->Submit([](Connection& conn) {
                    conn.Remember("space:1:a", 7);
                    return Status::Ok();
                  })
                  .ok());
  std::optional<int64_t> seen = 0;
  ASSERT_TRUE(batcher_
                  ->Submit([&](Connection& conn) {
                    seen = conn.Remembered("space:1:a");
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(seen.has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, WriteBatcherTest, ::testing::Values("Sqlite", "Postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace memoryd::sqlstore
