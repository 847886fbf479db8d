// bench_semantic_http: the seed-000 REST API of a real memoryd binary, over keep-alive loopback
// connections (Boost.Beast, synchronous, one thread per connection).
//
// The tool starts the server itself (posix_spawn of `memoryd serve --data-dir D --listen
// 127.0.0.1:P --api-key K --quiet`), so it can time the start, read the server's VmRSS from
// /proc, and stop it with SIGTERM (a graceful shutdown, which saves the vector indexes).
//
//   bench_semantic_http startup --memoryd=build/memoryd --data-dir=D [--port=0] [--n=100000]
//       [--queries=1000] [--rounds=0] [--top_k=10] [--space=bench]
//     Times from spawn until the first POST /mcp/search answers 200 (polling every 2 ms), then,
//     after 1 s, the server's VmRSS. With --rounds>0 it then times `--queries` varied searches
//     (bench/semantic_corpus.h queries about a corpus of --n memories) over one keep-alive
//     connection, --rounds passes: p50/p99 of each pass and their medians.
//   bench_semantic_http ingest --memoryd=build/memoryd --data-dir=D --n=20000
//       [--connections=16] [--space=ingest]
//     POST /mcp/addMemory of --n distinct corpus memories (texts Memory(0..n-1), no key, no
//     dedupe) over --connections keep-alive connections; prints the rate and the server's VmRSS.
//
// Output lines KEY=value are for bench/semantic/run.sh. Every request must answer 2xx, else the
// tool exits 1. The server's stderr goes to D/../memoryd-<mode>.log (or --log).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "semantic_corpus.h"

extern char** environ;

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(2);
constexpr auto kStartTimeout = std::chrono::seconds(120);

struct Args {
  std::string mode;
  std::map<std::string, std::string> flags;
  std::string Get(const std::string& key, const std::string& fallback) const {
    auto it = flags.find(key);
    return it == flags.end() ? fallback : it->second;
  }
  long Int(const std::string& key, long fallback) const {
    auto it = flags.find(key);
    return it == flags.end() ? fallback : std::stol(it->second);
  }
};

bool ParseArgs(int argc, char** argv, Args* args) {
  if (argc < 2) return false;
  args->mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    const size_t eq = a.find('=');
    if (!a.starts_with("--") || eq == std::string_view::npos) return false;
    args->flags[std::string(a.substr(2, eq - 2))] = std::string(a.substr(eq + 1));
  }
  return args->mode == "startup" || args->mode == "ingest";
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

// One keep-alive HTTP/1.1 connection to 127.0.0.1.
class Connection {
 public:
  Connection(int port, std::string key) : port_(port), auth_("Bearer " + std::move(key)) {}

  bool Connect() {
    beast::error_code ec;
    socket_.close(ec);
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)),
                    ec);
    if (!ec) socket_.set_option(tcp::no_delay(true), ec);
    return !ec;
  }

  // The status code, or 0 when the connection failed.
  int Post(const std::string& target, std::string body, std::string* answer = nullptr) {
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, auth_);
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    if (ec) return 0;
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    if (ec) return 0;
    if (answer != nullptr) *answer = std::move(res.body());
    return res.result_int();
  }

 private:
  int port_;
  std::string auth_;
  net::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
};

int FreePort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

long RssKb(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

// CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat.
double CpuSeconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  unsigned long utime = 0, stime = 0;
  if (p == nullptr || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                  &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A memoryd child process, stopped with SIGTERM (graceful) when destroyed.
class Server {
 public:
  Server(const Args& args, const std::string& log) {
    port_ = static_cast<int>(args.Int("port", 0));
    if (port_ == 0) port_ = FreePort();
    key_ = "bench-" + std::to_string(::getpid());
    const std::string bin = args.Get("memoryd", "build/memoryd");
    const std::string dir = args.Get("data-dir", "");
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> argv_s = {bin,    "serve",     "--data-dir", dir,      "--listen",
                                       listen, "--api-key", key_,         "--quiet"};
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    started_ = Clock::now();
    if (posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      std::perror("posix_spawn");
      std::exit(1);
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Server() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto start = Clock::now();
    ::waitpid(pid_, &status, 0);
    std::printf("SHUTDOWN_MS=%.0f\n",
                std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  // Polls until `probe` answers 200 on a fresh connection; milliseconds since spawn.
  double WaitFor(const std::string& target, const std::string& probe) {
    Connection c(port_, key_);
    while (Clock::now() - started_ < kStartTimeout) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        std::fprintf(stderr, "memoryd exited early (status %d)\n", status);
        std::exit(1);
      }
      if (c.Connect() && c.Post(target, probe) == 200) {
        return std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    std::fprintf(stderr, "memoryd did not answer within %lld s\n",
                 static_cast<long long>(kStartTimeout.count()));
    std::exit(1);
  }
  int port() const { return port_; }
  const std::string& key() const { return key_; }
  pid_t pid() const { return pid_; }

 private:
  int port_ = 0;
  std::string key_;
  pid_t pid_ = 0;
  Clock::time_point started_;
};

std::string SearchBody(const std::string& space, const std::string& q, long top_k) {
  return "{\"space\":" + JsonString(space) + ",\"q\":" + JsonString(q) +
         ",\"top_k\":" + std::to_string(top_k) + "}";
}

void SearchRounds(const Args& args, Server& server, const std::string& space) {
  const memoryd::bench::SemanticCorpus corpus;
  const long n = args.Int("n", 100000), queries = args.Int("queries", 1000);
  const long rounds = args.Int("rounds", 0), top_k = args.Int("top_k", 10);
  std::vector<std::string> bodies;
  for (long q = 0; q < queries; ++q) {
    bodies.push_back(SearchBody(space, corpus.Query(static_cast<uint64_t>(q), n), top_k));
  }
  Connection c(server.port(), server.key());
  if (!c.Connect()) std::exit(1);
  std::vector<double> p50s, p99s;
  for (long r = 0; r < rounds; ++r) {
    std::vector<double> ms;
    for (const auto& body : bodies) {
      const auto start = Clock::now();
      const int status = c.Post("/mcp/search", body);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (status != 200) {
        std::fprintf(stderr, "search answered %d\n", status);
        std::exit(1);
      }
    }
    p50s.push_back(Percentile(ms, 0.5));
    p99s.push_back(Percentile(ms, 0.99));
    std::printf("search round %ld: p50 %.3f ms p99 %.3f ms (%ld queries, one connection)\n", r,
                p50s.back(), p99s.back(), queries);
    std::fflush(stdout);
  }
  if (rounds > 0) {
    std::printf("HTTP_SEARCH_P50_MS=%.3f\nHTTP_SEARCH_P99_MS=%.3f\n", Percentile(p50s, 0.5),
                Percentile(p99s, 0.5));
  }
}

int Startup(const Args& args) {
  const std::string space = args.Get("space", "bench");
  Server server(args, args.Get("log", args.Get("data-dir", "") + "/../memoryd-startup.log"));
  const double ms = server.WaitFor("/mcp/search", SearchBody(space, "invoice budget", 10));
  std::printf("FIRST_SEARCH_MS=%.0f\n", ms);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::printf("RSS_KB=%ld\n", RssKb(server.pid()));
  std::fflush(stdout);
  SearchRounds(args, server, space);
  return 0;
}

int Ingest(const Args& args) {
  const std::string space = args.Get("space", "ingest");
  const size_t n = static_cast<size_t>(args.Int("n", 20000));
  const int connections = static_cast<int>(args.Int("connections", 16));
  Server server(args, args.Get("log", args.Get("data-dir", "") + "/../memoryd-ingest.log"));
  server.WaitFor("/mcp/search", SearchBody(space, "warm up", 1));
  const long rss_empty = RssKb(server.pid());
  const memoryd::bench::SemanticCorpus corpus;
  std::vector<std::string> bodies(n);
  for (size_t i = 0; i < n; ++i) {
    bodies[i] =
        "{\"space\":" + JsonString(space) + ",\"text\":" + JsonString(corpus.Memory(i)) + "}";
  }
  std::atomic<size_t> next{0};
  std::atomic<size_t> failed{0};
  const double cpu_start = CpuSeconds(server.pid());
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&] {
      Connection c(server.port(), server.key());
      if (!c.Connect()) {
        ++failed;
        return;
      }
      for (size_t i = next++; i < n; i = next++) {
        if (c.Post("/mcp/addMemory", bodies[i]) != 201) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double acked = std::chrono::duration<double>(Clock::now() - start).count();
  // The server indexes writes just after answering them; a search waits until its index holds
  // every write made before it. So the ingest ends when a search after the last write answers:
  // from then on every memory is findable.
  {
    Connection c(server.port(), server.key());
    if (!c.Connect() || c.Post("/mcp/search", SearchBody(space, "settled", 1)) != 200) ++failed;
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = CpuSeconds(server.pid()) - cpu_start;
  std::printf(
      "ingest: %zu memories over %d connections: answered in %.2f s, all searchable "
      "after %.2f s, %zu failed\n",
      n, connections, acked, s, failed.load());
  std::printf("HTTP_INGEST_PER_SEC=%.0f\nHTTP_INGEST_PER_SERVER_CPU_SEC=%.0f\n",
              static_cast<double>(n) / s, static_cast<double>(n) / cpu);
  std::printf("RSS_EMPTY_KB=%ld\nRSS_AFTER_INGEST_KB=%ld\n", rss_empty, RssKb(server.pid()));
  std::fflush(stdout);
  return failed.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr, "usage: see the comment at the top of bench/semantic_http.cc\n");
    return 2;
  }
  return args.mode == "startup" ? Startup(args) : Ingest(args);
}
