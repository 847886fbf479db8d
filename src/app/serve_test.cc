// --listen parsing and the loopback check that guards --no-auth.
#include "app/serve.h"

#include <gtest/gtest.h>

#include <string>

#include "core/result.h"

namespace memoryd {
namespace {

struct Listen {
  std::string host;
  uint16_t port = 0;
};

Result<Listen> Parse(const std::string& text) {
  Listen out;
  Status s = ParseListen(text, &out.host, &out.port);
  if (!s.ok()) return s;
  return out;
}

TEST(ParseListenTest, HostAndPort) {
  auto v4 = Parse("127.0.0.1:8420");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8420);

  auto any = Parse("0.0.0.0:65535");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 65535);

  auto zero = Parse("127.0.0.1:0");
  ASSERT_TRUE(zero.ok()) << "port 0 asks the system for a free port";
  EXPECT_EQ(zero->port, 0);
}

TEST(ParseListenTest, BracketedIpv6) {
  auto v6 = Parse("[::1]:80");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 80);
  auto any = Parse("[::]:8420");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "::");
}

TEST(ParseListenTest, LocalhostMeansIpv4Loopback) {
  auto local = Parse("localhost:1");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 1);
}

TEST(ParseListenTest, MalformedValuesAreInvalidAndLeaveOutputsAlone) {
  for (const char* bad : {"", "8420", "127.0.0.1", "127.0.0.1:", ":8420", "[]:80", "[::1]",
                          "host:65536", "host:99999", "host:-1", "host:+80", "host:80a", "host: 80",
                          "host:0x50", "host:4294967376"}) {
    std::string host = "unchanged";
    uint16_t port = 7;
    Status s = ParseListen(bad, &host, &port);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_EQ(host, "unchanged") << bad;
    EXPECT_EQ(port, 7) << bad;
  }
}

TEST(IsLoopbackTest, Ipv4LoopbackRangeAndIpv6Loopback) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1"}) {
    EXPECT_TRUE(IsLoopback(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "10.0.0.1", "192.168.1.127", "128.0.0.1", "1.127.0.0", "::2", ""}) {
    EXPECT_FALSE(IsLoopback(host)) << host;
  }
}

TEST(IsLoopbackTest, ParsedLocalhostIsLoopback) {
  auto local = Parse("localhost:8420");
  ASSERT_TRUE(local.ok());
  EXPECT_TRUE(IsLoopback(local->host));
  auto v6 = Parse("[::1]:8420");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(IsLoopback(v6->host));
}

}  // namespace
}  // namespace memoryd
