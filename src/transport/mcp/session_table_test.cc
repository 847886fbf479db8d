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

TEST(SessionTableTest, IdleSessionsEndAndMakeRoom) {
  FakeClock clock;
  SessionTable table(clock, SessionOptions{2, 1000});
  auto a = table.Create("", SessionState{});
  auto b = table.Create("", SessionState{});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(table.Create("", SessionState{}).status().code(), StatusCode::kUnavailable);
  clock.AdvanceMillis(600);
  EXPECT_TRUE(table.Find(*a, "").has_value());  // used: stays alive
  clock.AdvanceMillis(600);
  EXPECT_TRUE(table.Create("", SessionState{}).ok());  // b was idle and made room
  EXPECT_FALSE(table.Find(*b, "").has_value());
  clock.AdvanceMillis(2000);
  EXPECT_FALSE(table.Find(*a, "").has_value());
}

}  // namespace
}  // namespace memoryd::mcp
