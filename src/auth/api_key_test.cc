// API key generation, hashing and digest comparison.
#include "auth/api_key.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

namespace memoryd {
namespace {

std::string Hex(const std::string& bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    out += buf;
  }
  return out;
}

bool IsBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

TEST(ApiKeyTest, GeneratedKeyIsMcpPrefixAndFortyBase62Characters) {
  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ASSERT_EQ(key->size(), 44u);
  EXPECT_EQ(key->substr(0, 4), "mcp_");
  for (char c : key->substr(4)) EXPECT_TRUE(IsBase62(c)) << "character '" << c << "'";
}

TEST(ApiKeyTest, ThousandGeneratedKeysAreDistinctAndUseTheWholeAlphabet) {
  std::set<std::string> keys;
  std::set<char> seen;
  for (int i = 0; i < 1000; ++i) {
    auto key = GenerateApiKey();
    ASSERT_TRUE(key.ok());
    ASSERT_EQ(key->size(), 44u);
    keys.insert(*key);
    for (char c : key->substr(4)) seen.insert(c);
  }
  EXPECT_EQ(keys.size(), 1000u);
  // 40,000 uniform draws from 62 symbols miss one with probability ~62 * e^-645.
  EXPECT_EQ(seen.size(), 62u);
}

TEST(ApiKeyTest, HashIsTheRawSha256Digest) {
  EXPECT_EQ(HashApiKey("").size(), 32u);
  EXPECT_EQ(Hex(HashApiKey("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(HashApiKey("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeyTest, HashIsDeterministicAndDistinguishesKeys) {
  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HashApiKey(*key), HashApiKey(std::string(*key)));
  EXPECT_NE(HashApiKey(*key), HashApiKey(*key + "x"));
  EXPECT_NE(HashApiKey("mcp_a"), HashApiKey("mcp_b"));
  EXPECT_EQ(HashApiKey(std::string("a\0b", 3)).size(), 32u);
  EXPECT_NE(HashApiKey(std::string("a\0b", 3)), HashApiKey("a"));
}

TEST(ApiKeyTest, DigestsEqualComparesWholeDigests) {
  const std::string a = HashApiKey("one");
  const std::string b = HashApiKey("two");
  EXPECT_TRUE(DigestsEqual(a, a));
  EXPECT_TRUE(DigestsEqual(a, std::string(a)));
  EXPECT_FALSE(DigestsEqual(a, b));
  std::string last_differs = a;
  last_differs.back() = static_cast<char>(last_differs.back() ^ 1);
  EXPECT_FALSE(DigestsEqual(a, last_differs));
  EXPECT_FALSE(DigestsEqual(a, a.substr(0, 31)));
  EXPECT_FALSE(DigestsEqual(a, ""));
  EXPECT_TRUE(DigestsEqual("", ""));
}

}  // namespace
}  // namespace memoryd
