// The flag parser: value forms, switches, errors, environment fallback and defaults.
#include "cli/flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>
#include <vector>

namespace memoryd::cli {
namespace {

// Environment variable names used only by this file, so no other test or setting collides.
constexpr char kDirEnv[] = "MEMORYD_FLAGS_TEST_DIR";
constexpr char kQuietEnv[] = "MEMORYD_FLAGS_TEST_QUIET";

std::vector<FlagSpec> Specs() {
  return {
      {"data-dir", true, kDirEnv, "./data", "where data lives"},
      {"listen", true, "", "", "address"},
      {"limit", true, "", "", "a number"},
      {"quiet", false, kQuietEnv, "", "no log"},
      {"read-only", false, "", "", "read only"},
  };
}

// Parses {"memoryd", "serve", args...} starting after the subcommand.
Result<ParsedFlags> Parse(std::vector<std::string> args) {
  std::vector<std::string> storage = {"memoryd", "serve"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return ParseFlags(Specs(), static_cast<int>(storage.size()), argv.data(), 2);
}

// Sets an environment variable for one test and restores the previous state afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class FlagsTest : public ::testing::Test {
 protected:
  // The variables must be absent unless a test sets them.
  void SetUp() override {
    unsetenv(kDirEnv);
    unsetenv(kQuietEnv);
  }
};

TEST_F(FlagsTest, SpaceSeparatedAndInlineValues) {
  auto flags = Parse({"--data-dir", "/tmp/a", "--listen=127.0.0.1:1"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->Get("data-dir"), "/tmp/a");
  EXPECT_EQ(flags->Get("listen"), "127.0.0.1:1");
}

TEST_F(FlagsTest, InlineValueSplitsAtTheFirstEqualsSign) {
  auto flags = Parse({"--listen=a=b=c", "--limit="});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->Get("listen"), "a=b=c");
  EXPECT_EQ(flags->Get("limit"), "");
  EXPECT_TRUE(flags->Has("limit"));
}

TEST_F(FlagsTest, LaterOccurrenceWins) {
  auto flags = Parse({"--listen", "one", "--listen=two"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("listen"), "two");
}

TEST_F(FlagsTest, BooleanSwitches) {
  auto flags = Parse({"--quiet"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->Has("quiet"));
  EXPECT_FALSE(flags->Has("read-only"));
  EXPECT_EQ(Parse({"--quiet=yes"}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FlagsTest, UnknownFlagStrayArgumentAndMissingValueAreErrors) {
  Status unknown = Parse({"--nope"}).status();
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("--nope"), std::string::npos) << unknown.message();
  EXPECT_EQ(Parse({"--nope=1"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse({"-q"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse({"--", "x"}).status().code(), StatusCode::kInvalidArgument);
  Status stray = Parse({"positional"}).status();
  EXPECT_EQ(stray.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(stray.message().find("positional"), std::string::npos) << stray.message();
  Status missing = Parse({"--quiet", "--listen"}).status();
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("--listen"), std::string::npos) << missing.message();
}

TEST(FlagsPositionalTest, PositionalArgumentsUpToTheLimitDashAndSeparator) {
  const std::vector<FlagSpec> specs = {{"data-dir", true, "", "", ""}};
  std::vector<std::string> storage = {"memoryd", "import", "--data-dir", "d", "-", "--", "-x"};
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  auto two = ParseFlags(specs, static_cast<int>(argv.size()), argv.data(), 2, 2);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->positional(), (std::vector<std::string>{"-", "-x"}));
  EXPECT_EQ(two->Get("data-dir"), "d");
  Status one = ParseFlags(specs, static_cast<int>(argv.size()), argv.data(), 2, 1).status();
  EXPECT_EQ(one.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(one.message().find("-x"), std::string::npos) << one.message();
  // After "--" nothing is a flag, even once the arguments are all taken.
  std::vector<std::string> late = {"memoryd", "import", "f", "--", "--data-dir=b"};
  std::vector<char*> late_argv;
  for (auto& s : late) late_argv.push_back(s.data());
  Status after = ParseFlags(specs, 5, late_argv.data(), 2, 1).status();
  EXPECT_EQ(after.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(after.message().find("--data-dir=b"), std::string::npos) << after.message();
}

TEST(FlagsPositionalTest, HelpIsAskedByEitherSpellingBeforeTheSeparator) {
  std::vector<std::string> storage = {"memoryd", "serve", "--quiet", "-h", "--", "--help"};
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  EXPECT_TRUE(WantsHelp(static_cast<int>(argv.size()), argv.data(), 2));
  EXPECT_FALSE(WantsHelp(3, argv.data(), 2));
  EXPECT_FALSE(WantsHelp(6, argv.data(), 4)) << "after -- it is an argument";
}

TEST_F(FlagsTest, NothingBeforeFirstIsParsed) {
  std::vector<std::string> storage = {"memoryd", "serve", "--quiet"};
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  auto flags = ParseFlags(Specs(), 3, argv.data(), 2);
  ASSERT_TRUE(flags.ok()) << "'serve' is before `first`, so it is not a stray argument";
  EXPECT_TRUE(flags->Has("quiet"));
}

TEST_F(FlagsTest, DefaultsApplyWhenNeitherFlagNorEnvironmentIsSet) {
  auto flags = Parse({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("data-dir"), "./data");
  EXPECT_FALSE(flags->Has("listen")) << "no default: absent";
  EXPECT_EQ(flags->GetOr("listen", "fallback"), "fallback");
  EXPECT_FALSE(flags->Has("quiet"));
}

TEST_F(FlagsTest, EnvironmentSuppliesAbsentFlags) {
  ScopedEnv dir(kDirEnv, "/from/env");
  ScopedEnv quiet(kQuietEnv, "1");
  auto flags = Parse({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("data-dir"), "/from/env");
  EXPECT_TRUE(flags->Has("quiet"));
}

TEST_F(FlagsTest, FlagBeatsEnvironment) {
  ScopedEnv dir(kDirEnv, "/from/env");
  auto flags = Parse({"--data-dir=/from/flag"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("data-dir"), "/from/flag");
}

TEST_F(FlagsTest, EmptyEnvironmentValueFallsBackToTheDefault) {
  ScopedEnv dir(kDirEnv, "");
  auto flags = Parse({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("data-dir"), "./data");
}

TEST_F(FlagsTest, FalseLookingEnvironmentValueDoesNotSetASwitch) {
  for (const char* value : {"0", "false", "no", "off"}) {
    ScopedEnv quiet(kQuietEnv, value);
    auto flags = Parse({});
    ASSERT_TRUE(flags.ok()) << value;
    EXPECT_FALSE(flags->Has("quiet")) << value;
  }
}

TEST_F(FlagsTest, IntegerParsesNonNegativeDecimals) {
  EXPECT_EQ(Parse({"--limit", "42"})->Integer("limit").value(), 42);
  EXPECT_EQ(Parse({"--limit", "0"})->Integer("limit").value(), 0);
  EXPECT_EQ(Parse({"--limit", "9223372036854775807"})->Integer("limit").value(), INT64_MAX);
  for (const char* bad : {"-1", "", "4x", "x", " 4", "4 ", "+4", "1.5", "9223372036854775808"}) {
    auto flags = Parse({"--limit", bad});
    ASSERT_TRUE(flags.ok());
    Status s = flags->Integer("limit").status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_NE(s.message().find("--limit"), std::string::npos) << s.message();
  }
  EXPECT_EQ(Parse({})->Integer("limit").status().code(), StatusCode::kInvalidArgument)
      << "an unset flag is not an integer";
}

TEST_F(FlagsTest, HelpListsEveryFlagWithItsEnvironmentAndDefault) {
  const std::string help = FlagHelp(Specs());
  EXPECT_NE(help.find("--data-dir VALUE"), std::string::npos) << help;
  EXPECT_NE(help.find(std::string("[env ") + kDirEnv + "]"), std::string::npos) << help;
  EXPECT_NE(help.find("(default ./data)"), std::string::npos) << help;
  EXPECT_NE(help.find("--quiet "), std::string::npos) << help;
  EXPECT_EQ(help.find("--quiet VALUE"), std::string::npos) << help;
}

}  // namespace
}  // namespace memoryd::cli
