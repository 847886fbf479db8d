// `memoryd serve` and `memoryd mcp`: their flags, and turning them into a configuration.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "app/mcp_stdio.h"
#include "app/serve.h"
#include "cli/command.h"
#include "core/ascii.h"
#include "service/options.h"
#include "transport/http/origin_guard.h"

namespace memoryd::cli {
namespace {

std::vector<FlagSpec> ServeFlags() {
  const ServiceOptions d;
  return {
      DataDirFlag(),
      DatabaseFlag(),
      {"listen", true, "MEMORYD_LISTEN", "127.0.0.1:8420", "address to serve HTTP on"},
      {"api-key", true, "MEMORYD_API_KEY", "",
       "account-wide API key of the default account (visible in ps: prefer --api-key-file)"},
      {"api-key-file", true, "MEMORYD_API_KEY_FILE", "",
       "file holding the account-wide API key (first line; keep it mode 0600)"},
      {"max-connections", true, "MEMORYD_MAX_CONNECTIONS", "1024",
       "open HTTP connections at most; more wait in the listen queue"},
      {"no-auth", false, "MEMORYD_NO_AUTH", "",
       "no keys: every request is the default account "
       "(loopback addresses only)"},
      {"max-memories-per-space", true, "MEMORYD_MAX_MEMORIES_PER_SPACE",
       std::to_string(d.max_memories_per_space), "memory limit per space (0 = none)"},
      {"max-tags-per-space", true, "MEMORYD_MAX_TAGS_PER_SPACE",
       std::to_string(d.max_tags_per_space), "tag limit per space (0 = none)"},
      {"rate-limit-per-minute", true, "MEMORYD_RATE_LIMIT_PER_MINUTE",
       std::to_string(d.rate_limit_per_minute), "requests per minute per account (0 = off)"},
      {"max-body-bytes", true, "MEMORYD_MAX_BODY_BYTES", std::to_string(4 << 20),
       "largest request body"},
      {"max-value-bytes", true, "MEMORYD_MAX_VALUE_BYTES", std::to_string(d.max_value_bytes),
       "largest memory value/text"},
      {"threads", true, "MEMORYD_THREADS", "2", "HTTP I/O threads"},
      {"sync", true, "MEMORYD_SYNC", "full",
       "full: fsync every commit; normal: survive process crashes only"},
      {"read-cache-mb", true, "MEMORYD_READ_CACHE_MB", "64",
       "memory for memories read by key, valid until the next write (0 = off)"},
      {"quiet", false, "MEMORYD_QUIET", "", "no access log"},
      {"embedder", true, "MEMORYD_EMBEDDER", "builtin",
       "builtin (offline) or openai (any OpenAI-compatible endpoint)"},
      {"embed-url", true, "MEMORYD_EMBED_URL", "",
       "openai: base URL, e.g. http://localhost:11434/v1; key in MEMORYD_EMBED_API_KEY"},
      {"embed-model", true, "MEMORYD_EMBED_MODEL", "", "openai: model name"},
      {"embed-dimension", true, "MEMORYD_EMBED_DIMENSION", "0",
       "openai: expected vector dimension (0 = learn it from the first answer)"},
      {"embed-timeout-ms", true, "MEMORYD_EMBED_TIMEOUT_MS", "1000",
       "openai: a search's time to embed its query; past it, it matches by words"},
      {"allowed-hosts", true, "MEMORYD_ALLOWED_HOSTS", "",
       "Host names allowed besides loopback ones, comma-separated (* = any)"},
      {"allowed-origins", true, "MEMORYD_ALLOWED_ORIGINS", "",
       "browser Origins allowed besides loopback ones, comma-separated (* = any)"},
      {"mcp-allowed-hosts", true, "MEMORYD_MCP_ALLOWED_HOSTS", "", "older name of --allowed-hosts"},
      {"mcp-allowed-origins", true, "MEMORYD_MCP_ALLOWED_ORIGINS", "",
       "older name of --allowed-origins"},
  };
}

// `memoryd mcp` shares the data, limit and embedder flags of `serve` (and their variables), so
// both processes on one data directory can be given the same limits.
std::vector<FlagSpec> McpFlags() {
  std::vector<FlagSpec> flags = {{"space", true, "MEMORYD_MCP_SPACE", "",
                                  "space of tool calls that name none (default: default)"}};
  const std::string_view shared[] = {"data-dir",
                                     "database",
                                     "max-memories-per-space",
                                     "max-tags-per-space",
                                     "rate-limit-per-minute",
                                     "max-value-bytes",
                                     "sync",
                                     "read-cache-mb",
                                     "embedder",
                                     "embed-url",
                                     "embed-model",
                                     "embed-dimension",
                                     "embed-timeout-ms"};
  for (const auto& flag : ServeFlags()) {
    for (auto name : shared) {
      if (flag.name == name) flags.push_back(flag);
    }
  }
  return flags;
}

// The data, limit and embedder flags `serve` and `mcp` share, into either command's config.
template <typename Config>
Status ReadSharedFlags(const ParsedFlags& flags, Config& config) {
  config.data_dir = flags.GetOr("data-dir", "./memoryd-data");
  config.database_url = flags.GetOr("database", "");
  const std::string sync = flags.GetOr("sync", "full");
  if (sync != "full" && sync != "normal") {
    return Status::InvalidArgument("--sync must be 'full' or 'normal'");
  }
  config.full_sync = sync == "full";
  MEMORYD_ASSIGN_OR_RETURN(int64_t cache_mb, flags.Integer("read-cache-mb"));
  if (cache_mb < 0 || cache_mb > (1 << 20)) {
    return Status::InvalidArgument("--read-cache-mb must be 0..1048576");
  }
  config.read_cache_bytes = cache_mb << 20;
  MEMORYD_ASSIGN_OR_RETURN(config.service.max_memories_per_space,
                           flags.Integer("max-memories-per-space"));
  MEMORYD_ASSIGN_OR_RETURN(config.service.max_tags_per_space, flags.Integer("max-tags-per-space"));
  MEMORYD_ASSIGN_OR_RETURN(config.service.rate_limit_per_minute,
                           flags.Integer("rate-limit-per-minute"));
  MEMORYD_ASSIGN_OR_RETURN(config.service.max_value_bytes, flags.Integer("max-value-bytes"));
  config.embed.kind = flags.GetOr("embedder", "builtin");
  config.embed.url = flags.GetOr("embed-url", "");
  config.embed.model = flags.GetOr("embed-model", "");
  if (const char* key = std::getenv("MEMORYD_EMBED_API_KEY")) config.embed.api_key = key;
  MEMORYD_ASSIGN_OR_RETURN(int64_t dimension, flags.Integer("embed-dimension"));
  if (dimension < 0 || dimension > 65536) {
    return Status::InvalidArgument("--embed-dimension must be 0..65536");
  }
  config.embed.dimension = static_cast<int>(dimension);
  MEMORYD_ASSIGN_OR_RETURN(int64_t timeout, flags.Integer("embed-timeout-ms"));
  if (timeout < 1 || timeout > 600'000) {
    return Status::InvalidArgument("--embed-timeout-ms must be 1..600000");
  }
  config.embed.query_timeout_ms = timeout;
  return Status::Ok();
}

// The first line of `path`, without surrounding whitespace.
Result<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read --api-key-file " + path);
  std::string line;
  std::getline(in, line);
  const size_t start = line.find_first_not_of(" \t\r");
  const size_t end = line.find_last_not_of(" \t\r");
  if (start == std::string::npos) {
    return Status::InvalidArgument("--api-key-file " + path + " holds no key on its first line");
  }
  return line.substr(start, end - start + 1);
}

Result<ServeConfig> BuildServeConfig(const ParsedFlags& flags) {
  ServeConfig config;
  MEMORYD_RETURN_IF_ERROR(ReadSharedFlags(flags, config));
  MEMORYD_RETURN_IF_ERROR(ParseListen(flags.GetOr("listen", ""), &config.host, &config.port));
  config.api_key = flags.GetOr("api-key", "");
  if (auto file = flags.Get("api-key-file"); file && !file->empty()) {
    if (!config.api_key.empty()) {
      return Status::InvalidArgument("give either --api-key or --api-key-file, not both");
    }
    MEMORYD_ASSIGN_OR_RETURN(config.api_key, ReadKeyFile(*file));
  }
  MEMORYD_ASSIGN_OR_RETURN(int64_t max_connections, flags.Integer("max-connections"));
  if (max_connections < 1 || max_connections > 1'000'000) {
    return Status::InvalidArgument("--max-connections must be 1..1000000");
  }
  config.max_connections = static_cast<int>(max_connections);
  config.no_auth = flags.Has("no-auth");
  config.access_log = !flags.Has("quiet");
  MEMORYD_ASSIGN_OR_RETURN(config.max_body_bytes, flags.Integer("max-body-bytes"));
  MEMORYD_ASSIGN_OR_RETURN(int64_t threads, flags.Integer("threads"));
  if (threads < 1 || threads > 256) return Status::InvalidArgument("--threads must be 1..256");
  config.io_threads = static_cast<int>(threads);
  // The older --mcp-allowed-* names add to the general lists.
  for (const char* name : {"allowed-hosts", "mcp-allowed-hosts"}) {
    for (auto& host : SplitCommaList(flags.GetOr(name, ""))) config.allowed_hosts.push_back(host);
  }
  for (const char* name : {"allowed-origins", "mcp-allowed-origins"}) {
    for (auto& o : SplitCommaList(flags.GetOr(name, ""))) config.allowed_origins.push_back(o);
  }
  return config;
}

int Mcp(const ParsedFlags& flags, int, char**) {
  McpStdioConfig config;
  config.space = flags.GetOr("space", "");
  if (Status s = ReadSharedFlags(flags, config); !s.ok()) return Fail(s, kExitUsage);
  // A client that goes away must end the loop through a failed write, not kill the process.
  signal(SIGPIPE, SIG_IGN);
  Status s = RunMcpStdio(config);
  if (!s.ok()) return Fail(s, s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure);
  return kExitOk;
}

// Overwrites the value of --api-key in the process's own argument list once it has been read,
// so `ps` and /proc/<pid>/cmdline show "--api-key ********" instead of the key.
void HideSecretArguments(int argc, char** argv) {
  constexpr std::string_view kFlag = "--api-key";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    char* secret = nullptr;
    if (arg == kFlag && i + 1 < argc) {
      secret = argv[i + 1];
    } else if (arg.starts_with("--api-key=")) {
      secret = argv[i] + kFlag.size() + 1;
    }
    for (char* c = secret; c != nullptr && *c != '\0'; ++c) *c = '*';
  }
}

int Serve(const ParsedFlags& flags, int argc, char** argv) {
  HideSecretArguments(argc, argv);
  auto config = BuildServeConfig(flags);
  if (!config.ok()) return Fail(config.status(), kExitUsage);
  // Block the stop signals before any thread starts, so only sigwait receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  Status s = RunServe(*config);
  if (!s.ok()) return Fail(s, s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure);
  return kExitOk;
}

}  // namespace

std::vector<Command> ServingCommands() {
  return {
      {"serve", "[flags]", "serve the REST APIs and MCP over HTTP",
       "Serves the capsule and spaces REST APIs, MCP's Streamable HTTP transport at /mcp,\n"
       "/healthz and /metrics. Every flag may also come from the environment variable named\n"
       "beside it. Requests need an API key (memoryd key create) unless --no-auth is given.\n",
       ServeFlags, 0, Serve},
      {"mcp", "[flags]", "serve MCP over stdio (for MCP clients that start it)",
       "Speaks MCP on standard input and output, for clients such as Claude Desktop that start\n"
       "the server themselves. It may share a data directory with a running `memoryd serve`.\n",
       McpFlags, 0, Mcp},
  };
}

}  // namespace memoryd::cli
