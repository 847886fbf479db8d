// The `memoryd serve` application: wires the store, the service and the HTTP server together,
// runs background upkeep, and stops gracefully on SIGTERM or SIGINT.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/stack.h"
#include "core/status.h"
#include "service/options.h"

namespace memoryd {

struct ServeConfig {
  std::string data_dir = "./memoryd-data";
  std::string database_url;  // PostgreSQL store (StoreLocation); empty: SQLite in data_dir
  std::string host = "127.0.0.1";
  uint16_t port = 8420;
  std::string api_key;                    // account-wide key of the default account; empty for none
  bool no_auth = false;                   // only allowed on a loopback address
  bool full_sync = true;                  // fsync every commit
  int64_t read_cache_bytes = 64LL << 20;  // memories read by key kept in memory (0 = none)
  bool access_log = true;
  int io_threads = 2;
  int worker_threads = 64;
  int64_t max_body_bytes = 4 << 20;
  int64_t purge_interval_seconds = 30;
  ServiceOptions service;
  EmbedConfig embed;
  // Every route: Host names and Origins allowed besides loopback ones (DNS rebinding guard).
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  int max_connections = 1024;
};

// Splits "HOST:PORT" ("[::1]:PORT" for IPv6; "localhost" means 127.0.0.1).
Status ParseListen(const std::string& listen, std::string* host, uint16_t* port);
// True for 127.0.0.0/8 and ::1.
bool IsLoopback(const std::string& host);

// Runs the server until SIGTERM/SIGINT. REQUIRES: SIGTERM and SIGINT are blocked in every
// thread (the caller blocks them before any thread starts). Returns the reason it could not run.
Status RunServe(const ServeConfig& config);

}  // namespace memoryd
