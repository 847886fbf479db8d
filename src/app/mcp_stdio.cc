#include "app/mcp_stdio.h"

#include <cstdio>
#include <iostream>

#include "service/validation.h"
#include "transport/mcp/mcp_server.h"
#include "transport/mcp/stdio_loop.h"

namespace memoryd {

Status RunMcpStdio(const McpStdioConfig& config) {
  if (!config.space.empty()) {
    MEMORYD_RETURN_IF_ERROR(ValidateSpaceName(config.space, config.service));
  }
  StackConfig stack_config;
  stack_config.data_dir = config.data_dir;
  stack_config.database_url = config.database_url;
  stack_config.full_sync = config.full_sync;
  stack_config.read_cache_bytes = config.read_cache_bytes;
  stack_config.service = config.service;
  stack_config.embed = config.embed;
  MEMORYD_ASSIGN_OR_RETURN(auto stack, Stack::Open(stack_config));
  mcp::McpOptions options;
  options.default_space = config.space;
  MEMORYD_ASSIGN_OR_RETURN(auto server, mcp::McpServer::Create(stack->service(), options));
  std::fprintf(stderr, "memoryd %s: serving MCP over stdio (data dir %s, space %s)\n",
               MEMORYD_VERSION, config.data_dir.c_str(),
               config.space.empty() ? "default" : config.space.c_str());
  std::ios::sync_with_stdio(false);
  // The local user owns the data directory: the stdio session acts with full access.
  mcp::RunStdioLoop(std::cin, std::cout, *server, Principal{}, mcp::StdioOptions{});
  stack.reset();  // stops the background work and saves the indexes
  std::fprintf(stderr, "memoryd: MCP input ended, stopped\n");
  return Status::Ok();
}

}  // namespace memoryd
