// Sessions: creation, ownership, ending, idle expiry and the table's size limit.
#include "transport/mcp/session_table.h"

#include <gtest/gtest.h>

namespace memoryd::mcp {
namespace {

TEST(SessionTableTest, SessionsBelongToTheirOwnerUntilEnded) {
  FakeClock clock;
  SessionTable table(clock, SessionOptions{});
  auto id = table.Create("owner-a", SessionState{"2025-06-18", "info"});
  ASSERT_TRUE(id.ok());
  EXPECT_GE(id->size(), 32u);
  auto found = table.Find(*id, "owner-a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->protocol_version, "2025-06-18");
  EXPECT_FALSE(table.Find(*id, "owner-b").has_value());
  EXPECT_FALSE(table.End(*id, "owner-b"));
  EXPECT_TRUE(table.End(*id, "owner-a"));
  EXPECT_FALSE(table.Find(*id, "owner-a").has_value());
  EXPECT_FALSE(table.End(*id, "owner-a"));
}

TEST(SessionTableTest, IdsAreUnique) {
  FakeClock clock;
  SessionTable table(clock, SessionOptions{});
  auto a = table.Create("", SessionState{});
  auto b = table.Create("", SessionState{});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(SessionTableTest, UpdateKeepsTheNewState) {
  FakeClock clock;
  SessionTable table(clock, SessionOptions{});
  auto id = table.Create("", SessionState{});
  ASSERT_TRUE(id.ok());
  SessionState changed;
  changed.log_level = "error";
  table.Update(*id, changed);
  EXPECT_EQ(table.Find(*id, "")->log_level, "error");
}

SessionOptions Options(size_t max_sessions, size_t max_per_owner, int64_t idle_ms) {
  SessionOptions o;
  o.max_sessions = max_sessions;
  o.max_per_owner = max_per_owner;
  o.idle_timeout_ms = idle_ms;
  return o;
}

TEST(SessionTableTest, IdleSessionsEnd) {
  FakeClock clock;
  SessionTable table(clock, Options(10, 10, 1000));
  auto a = table.Create("k", SessionState{});
  auto b = table.Create("k", SessionState{});
  ASSERT_TRUE(a.ok() && b.ok());
  clock.AdvanceMillis(600);
  EXPECT_TRUE(table.Find(*a, "k").has_value());  // used: stays alive
  clock.AdvanceMillis(600);
  EXPECT_FALSE(table.Find(*b, "k").has_value());
  EXPECT_TRUE(table.Find(*a, "k").has_value());
  clock.AdvanceMillis(2000);
  EXPECT_FALSE(table.Find(*a, "k").has_value());
  EXPECT_EQ(SessionOptions{}.idle_timeout_ms, 2LL * 60 * 60 * 1000) << "hours, not a day";
}

TEST(SessionTableTest, AKeyAtItsCapEndsItsOwnOldestSession) {
  FakeClock clock;
  SessionTable table(clock, Options(100, 3, 60'000));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(*table.Create("greedy", SessionState{}));
    clock.AdvanceMillis(1);
  }
  auto other = table.Create("owner", SessionState{});
  ASSERT_TRUE(other.ok());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(table.Create("greedy", SessionState{}).ok());
  EXPECT_EQ(table.size(), 4u);
  EXPECT_FALSE(table.Find(ids[0], "greedy").has_value());
  EXPECT_TRUE(table.Find(*other, "owner").has_value()) << "another key's session survives";
}

TEST(SessionTableTest, AFullTableTakesRoomFromTheKeyHoldingTheMost) {
  FakeClock clock;
  SessionTable table(clock, Options(4, 3, 60'000));
  auto mine = table.Create("owner", SessionState{});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(table.Create("greedy", SessionState{}).ok());
  auto next = table.Create("owner", SessionState{});
  ASSERT_TRUE(next.ok()) << "a full table never refuses another key";
  EXPECT_TRUE(table.Find(*mine, "owner").has_value());
  EXPECT_EQ(table.size(), 4u);
}

}  // namespace
}  // namespace memoryd::mcp
