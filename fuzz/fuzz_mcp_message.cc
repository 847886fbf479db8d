// libFuzzer target: one JSON-RPC message through the MCP engine, as both transports hand it
// over: parsing, validation, the method table, tool argument schemas and the tools themselves,
// against a real service on an in-memory store with the built-in embedder and search engine.
// Quotas are small so that state stays bounded however long the run.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/clock.h"
#include "embed/builtin_embedder.h"
#include "embed/embedder_guard.h"
#include "search/search_engine.h"
#include "service/memory_service.h"
#include "store/in_memory_store.h"
#include "text/analyzer.h"
#include "transport/mcp/json_rpc.h"
#include "transport/mcp/mcp_server.h"

namespace {

struct World {
  World() {
    embedder = memoryd::BuiltinEmbedder::Create().value();
    guard = std::make_unique<memoryd::EmbedderGuard>(*embedder, memoryd::EmbedderGuardOptions{},
                                                     clock, [](const std::string&) {});
    engine = memoryd::SearchEngine::Open(store, *embedder,
                                         memoryd::text::TextAnalyzer::Create().value(), {})
                 .value();
    memoryd::ServiceOptions options;
    options.max_memories_per_space = 50;
    options.max_tags_per_space = 20;
    service = std::make_unique<memoryd::MemoryService>(store, clock, options);
    service->AttachSearch(engine.get(), guard.get());
    server = memoryd::mcp::McpServer::Create(*service, {}).value();
  }
  memoryd::SystemClock clock;
  memoryd::InMemoryStore store;
  std::unique_ptr<memoryd::BuiltinEmbedder> embedder;
  std::unique_ptr<memoryd::EmbedderGuard> guard;
  std::unique_ptr<memoryd::SearchEngine> engine;
  std::unique_ptr<memoryd::MemoryService> service;
  std::unique_ptr<memoryd::mcp::McpServer> server;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Spaces are unlimited, so the world starts afresh now and then to keep memory bounded.
  static World* world = nullptr;
  static uint64_t runs = 0;
  if (world == nullptr || ++runs % 20'000 == 0) {
    delete world;
    world = new World();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = memoryd::mcp::ParseMessageText(text);
  if (!parsed.ok()) return 0;
  memoryd::mcp::Message message = memoryd::mcp::ReadMessage(std::move(parsed).value());
  memoryd::mcp::SessionState session;
  (void)world->server->Handle(message, memoryd::Principal{}, session);
  return 0;
}
