// Shared fixture of the MCP unit tests: a MemoryService over InMemoryStore and FakeClock, with
// an account-wide, a read-only and a space-scoped static key.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "service/memory_service.h"
#include "store/in_memory_store.h"
#include "transport/mcp/json_rpc.h"

namespace memoryd::mcp {

inline constexpr char kTestKey[] = "mcp-test-key";
inline constexpr char kTestReadOnlyKey[] = "mcp-test-key-read-only";
inline constexpr char kTestScopedKey[] = "mcp-test-key-scoped";

struct ServiceFixture {
  explicit ServiceFixture(ServiceOptions options = {})
      : service(std::make_unique<MemoryService>(store, clock, options)) {
    service->AddStaticKey(kTestKey, Principal{});
    service->AddStaticKey(kTestReadOnlyKey, Principal{kDefaultAccountId, std::nullopt, true});
    service->AddStaticKey(kTestScopedKey, Principal{kDefaultAccountId, "alpha", false});
  }
  InMemoryStore store;
  FakeClock clock;
  std::unique_ptr<MemoryService> service;
};

// A tools/call request message.
inline Message ToolCall(std::string_view name, std::string_view arguments_json, int id = 1) {
  json::object params{{"name", name}, {"arguments", json::parse(arguments_json)}};
  json::object m{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
  return ReadMessage(m);
}

// Any request message.
inline Message Request(std::string_view method, std::string_view params_json = "{}", int id = 1) {
  json::object m{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", json::parse(params_json)}};
  return ReadMessage(m);
}

}  // namespace memoryd::mcp
