// The `memoryd mcp` application: MCP over stdio for a local MCP client (Claude Desktop, Claude
// Code, Cursor, ...). It opens the data directory's Stack (it may share the directory with a
// running `memoryd serve`), acts as the default account with full access, and serves until its
// input ends. stdout carries protocol messages only; logs go to stderr.
#pragma once

#include <string>

#include "app/stack.h"
#include "core/status.h"
#include "service/options.h"

namespace memoryd {

struct McpStdioConfig {
  std::string data_dir = "./memoryd-data";
  std::string database_url;  // PostgreSQL store (StoreLocation); empty: SQLite in data_dir
  std::string space;         // the space of calls that name none; empty: "default"
  bool full_sync = true;     // fsync every commit
  int64_t read_cache_bytes = 64LL << 20;  // memories read by key kept in memory (0 = none)
  ServiceOptions service;
  EmbedConfig embed;
};

// Serves MCP on stdin/stdout until stdin ends. kInvalidArgument for a bad --space or embedder
// configuration; kInternal when the data directory cannot be used.
Status RunMcpStdio(const McpStdioConfig& config);

}  // namespace memoryd
