#include "core/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace memoryd {
namespace {

TEST(ResultTest, HoldsAValue) {
  Result<std::string> r(std::string("hello"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), "hello");
  EXPECT_EQ(*r, "hello");
  EXPECT_EQ(r->size(), 5u);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> r(Status::NotFound("nothing here"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "nothing here");
}

TEST(ResultTest, ValueCanBeModifiedAndMovedOut) {
  Result<std::vector<int>> r(std::vector<int>{1, 2});
  r->push_back(3);
  r.value().push_back(4);
  const std::vector<int> moved = std::move(r).value();
  EXPECT_EQ(moved, (std::vector<int>{1, 2, 3, 4}));
}

TEST(ResultTest, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(42));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> owned = std::move(r).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 42);
}

Result<int> ParseDigit(char c) {
  if (c < '0' || c > '9') return Status::InvalidArgument(std::string("not a digit: ") + c);
  return c - '0';
}

Result<int> SumDigits(const std::string& text) {
  int sum = 0;
  for (char c : text) {
    MEMORYD_ASSIGN_OR_RETURN(int digit, ParseDigit(c));
    sum += digit;
  }
  return sum;
}

Result<std::unique_ptr<int>> MakeBox(int v) {
  if (v < 0) return Status::InvalidArgument("negative");
  return std::make_unique<int>(v);
}

Result<int> Unbox(int v) {
  MEMORYD_ASSIGN_OR_RETURN(auto box, MakeBox(v));
  return *box;
}

TEST(ResultTest, AssignOrReturnUnwrapsOrPropagates) {
  auto sum = SumDigits("123");
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 6);

  auto bad = SumDigits("1x3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "not a digit: x");
}

TEST(ResultTest, AssignOrReturnMovesMoveOnlyValues) {
  auto ok = Unbox(5);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  EXPECT_EQ(Unbox(-1).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoryd
