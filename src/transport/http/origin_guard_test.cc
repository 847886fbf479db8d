// DNS-rebinding guard: which Host and Origin headers reach /mcp.
#include "transport/http/origin_guard.h"

#include <gtest/gtest.h>

namespace memoryd::http {
namespace {

bool Allowed(const OriginGuard& g, std::optional<std::string_view> host,
             std::optional<std::string_view> origin = std::nullopt) {
  return g.Check(host, origin).ok();
}

TEST(OriginGuardTest, LoopbackServerAcceptsOnlyLoopbackNames) {
  OriginGuard g("127.0.0.1", {}, {});
  for (const char* host : {"localhost", "localhost:8420", "127.0.0.1:8420", "[::1]:8420", "::1",
                           "LOCALHOST", "127.0.0.2"}) {
    EXPECT_TRUE(Allowed(g, host)) << host;
  }
  for (const char* host : {"evil.example.com", "evil.example.com:8420", "127.evil.example",
                           "localhost.evil.example", "10.0.0.1"}) {
    EXPECT_FALSE(Allowed(g, host)) << host;
  }
  EXPECT_TRUE(Allowed(g, std::nullopt));
}

TEST(OriginGuardTest, OriginsMustBeLoopbackOrListed) {
  OriginGuard g("127.0.0.1", {}, {"https://app.example.com"});
  EXPECT_TRUE(Allowed(g, "localhost", std::nullopt));
  EXPECT_TRUE(Allowed(g, "localhost", "http://localhost:3000"));
  EXPECT_TRUE(Allowed(g, "localhost", "http://127.0.0.1:8420"));
  EXPECT_TRUE(Allowed(g, "localhost", "http://[::1]:8420"));
  EXPECT_TRUE(Allowed(g, "localhost", "https://APP.example.com/"));
  EXPECT_FALSE(Allowed(g, "localhost", "http://evil.example.com"));
  EXPECT_FALSE(Allowed(g, "localhost", "null"));
  EXPECT_FALSE(Allowed(g, "localhost", "http://localhost.evil.example"));
  const Status s = g.Check("localhost", "http://evil.example.com");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("--allowed-origins"), std::string::npos);
}

TEST(OriginGuardTest, SpecificAddressesAndConfiguredHostsAreAllowed) {
  OriginGuard g("192.168.1.5", {"memoryd.lan"}, {});
  EXPECT_TRUE(Allowed(g, "192.168.1.5:8420"));
  EXPECT_TRUE(Allowed(g, "memoryd.lan:8420"));
  EXPECT_FALSE(Allowed(g, "other.lan"));
}

TEST(OriginGuardTest, WildcardListenChecksHostsOnlyWhenConfigured) {
  EXPECT_TRUE(Allowed(OriginGuard("0.0.0.0", {}, {}), "anything.example"));
  EXPECT_FALSE(Allowed(OriginGuard("0.0.0.0", {"memoryd.lan"}, {}), "anything.example"));
  EXPECT_TRUE(Allowed(OriginGuard("127.0.0.1", {"*"}, {"*"}), "x.example", "https://y.example"));
}

}  // namespace
}  // namespace memoryd::http
