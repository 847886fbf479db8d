// bench_pg_nodes: memoryd on PostgreSQL against memoryd on SQLite, over HTTP, in one run on one
// machine; then a second node on the same database (bench/http_harness.h).
//
//   bench_pg_nodes run --memoryd=build/memoryd [--database=URL]
//       [--cluster-script=tests/pg/cluster.sh] [--work-dir=/tmp/bench-pg-nodes-<pid>]
//       [--n=100000] [--space=bulk] [--rounds=3] [--connections=16] [--get-s=10]
//       [--queries=1000] [--node-starts=3] [--writes=200] [--jitter-ms=500] [--poll-ms=5]
//       [--give-up-s=5] [--timeout-s=1800] [--keep=0]
//
// Without --database it starts a throwaway cluster with `PG_FSYNC=on <cluster-script> start
// <work-dir>/pg` (run it from the repository root, or give --cluster-script) and stops it at the
// end; a --database given must name an empty database. The steps:
//   1. Two servers side by side: S (`serve --data-dir <work>/sqlite`, SQLite) and A
//      (`serve --data-dir <work>/pg-a --database URL`), built-in embedder, `--sync full`.
//   2. Each gets --n corpus memories (bench/semantic_corpus.h, keys m<i>, as bench_bulk_load)
//      through POST /api/rest/memories/bulk/set, 20 a request over 8 connections, one server
//      after the other, each waited for until /metrics shows both index lags at 0.
//   3. --rounds rounds, the two servers' order alternating: GET /api/rest/memory?key=m<random>
//      over --connections keep-alive connections for --get-s seconds, then --queries searches
//      (POST /mcp/search, top 10, the same queries for both) one after the other on one
//      connection, after 50 warm-up searches. Medians over rounds; the load average is printed
//      with each run.
//   4. A new node B (`serve --data-dir <work>/pg-b --database URL`, its data dir empty), timed
//      from spawn until /metrics shows its keyword lag at 0 and a search by their text finds
//      three loaded memories (first, middle, last key); then until its vector lag is 0 too.
//      --node-starts times (B's data dir emptied each time); the last B stays up.
//   5. --writes rounds of three single PUTs /api/rest/memory, each value holding a word of its
//      own: written on A and searched for on B (across nodes), on A and searched on A, on S and
//      searched on S, each after a random pause of 0 to --jitter-ms (so that writes fall at every
//      phase of a node's polling of the database, every 500 ms). After each write the search is
//      retried every --poll-ms until the memory is in the top 10, giving up after --give-up-s.
//      Latency runs from sending the PUT.
// Prints KEY=VALUE lines and a markdown summary. Exit status: 0 every target met, 1 a failure
// (a request that should have succeeded did not, a server that died, a timeout), 2 a target
// missed (search p50 on PostgreSQL more than 1.10 x SQLite's, cross-node p99 over 1 s or a write
// never found).
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>

#include "http_harness.h"
#include "semantic_corpus.h"

namespace {

using namespace bench_http;
using memoryd::bench::SemanticCorpus;

constexpr size_t kPerRequest = 20;  // the dialect's limit per bulk request
constexpr int kLoadConnections = 8;
constexpr int kWarmUpSearches = 50;

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}
double Ms(Clock::time_point from) {
  return std::chrono::duration<double, std::milli>(Clock::now() - from).count();
}

std::string LoadAvg() {
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  double a = 0, b = 0, c = 0;
  const int got = std::fscanf(f, "%lf %lf %lf", &a, &b, &c);
  std::fclose(f);
  if (got != 3) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
  return buf;
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string SearchBody(const std::string& space, const std::string& q, long top_k) {
  return "{\"space\":" + JsonString(space) + ",\"q\":" + JsonString(q) +
         ",\"top_k\":" + std::to_string(top_k) + "}";
}

bool Holds(const std::string& answer, const std::string& key) {
  return answer.find("\"key\":" + JsonString(key)) != std::string::npos;
}

// The throwaway cluster, stopped when this goes out of scope.
class Cluster {
 public:
  Cluster(std::string script, std::string dir) : script_(std::move(script)), dir_(std::move(dir)) {}
  ~Cluster() {
    if (url_.empty()) return;
    const std::string cmd = "bash " + ShellQuote(script_) + " stop " + ShellQuote(dir_);
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "stopping the cluster failed\n");
  }
  bool Start() {
    ::setenv("PG_FSYNC", "on", 1);
    const std::string cmd = "bash " + ShellQuote(script_) + " start " + ShellQuote(dir_);
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return false;
    char line[1024];
    std::string out;
    while (std::fgets(line, sizeof line, p) != nullptr) out += line;
    if (::pclose(p) != 0) return false;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    url_ = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    return !url_.empty();
  }
  const std::string& url() const { return url_; }

 private:
  std::string script_, dir_, url_;
};

// Polls until /healthz answers 200; false if the server exits or `deadline` passes.
bool WaitHealthy(Server& server, Clock::time_point deadline) {
  Connection c(server.port(), server.key());
  while (Clock::now() < deadline && !server.Exited()) {
    if (c.Connect() && c.Get("/healthz") == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct Loaded {
  double acked_s = -1, words_s = -1, graph_s = -1;
  size_t failed = 0;
};

Loaded Load(Server& server, const SemanticCorpus& corpus, const std::string& space, size_t n,
            Clock::time_point deadline) {
  Loaded out;
  std::atomic<size_t> next{0};
  std::atomic<size_t> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < kLoadConnections; ++t) {
    writers.emplace_back([&] {
      Connection c(server.port(), server.key());
      if (!c.Connect()) return (void)++failed;
      const std::string target = "/api/rest/memories/bulk/set?space=" + space;
      for (size_t from = next.fetch_add(kPerRequest); from < n;
           from = next.fetch_add(kPerRequest)) {
        std::string body = "{\"items\":[";
        for (size_t i = from; i < std::min(n, from + kPerRequest); ++i) {
          if (i > from) body += ',';
          body += "{\"key\":\"m" + std::to_string(i) +
                  "\",\"value\":" + JsonString(corpus.Memory(i)) + "}";
        }
        body += "]}";
        if (c.Post(target, std::move(body)) != 200) ++failed;
      }
    });
  }
  for (auto& t : writers) t.join();
  out.acked_s = Seconds(start);
  Connection metrics(server.port(), server.key());
  if (metrics.Connect()) {
    out.words_s = WaitForZero(metrics, "memoryd_index_lag_versions", start, deadline);
    out.graph_s = WaitForZero(metrics, "memoryd_vector_index_lag_versions", start, deadline);
  }
  out.failed = failed.load();
  return out;
}

struct GetRun {
  double per_s = 0, p50_ms = 0, p99_ms = 0;
  size_t failed = 0;
};

GetRun Gets(Server& server, const std::string& space, size_t n, int connections,
            std::chrono::seconds duration) {
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  std::atomic<size_t> failed{0};
  const auto start = Clock::now();
  const auto end = start + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      std::vector<double>& mine = latencies[static_cast<size_t>(t)];
      mine.reserve(100000);
      std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
      std::uniform_int_distribution<size_t> pick(0, n - 1);
      Connection c(server.port(), server.key());
      if (!c.Connect()) return (void)++failed;
      const std::string prefix = "/api/rest/memory?space=" + space + "&key=m";
      while (Clock::now() < end) {
        const std::string target = prefix + std::to_string(pick(rng));
        const auto begin = Clock::now();
        const int status = c.Get(target);
        mine.push_back(Ms(begin));
        if (status != 200) {
          ++failed;
          if (status == 0 && !c.Connect()) return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = Seconds(start);
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  GetRun out;
  out.per_s = static_cast<double>(all.size()) / elapsed;
  out.p50_ms = Percentile(all, 0.5);
  out.p99_ms = Percentile(all, 0.99);
  out.failed = failed.load();
  return out;
}

struct SearchRun {
  double p50_ms = 0, p99_ms = 0;
  size_t failed = 0;
};

SearchRun Searches(Server& server, const SemanticCorpus& corpus, const std::string& space, size_t n,
                   long queries) {
  SearchRun out;
  Connection c(server.port(), server.key());
  if (!c.Connect()) return SearchRun{0, 0, static_cast<size_t>(queries)};
  // Warm-up queries come from another part of the query sequence than the measured ones.
  for (int q = 0; q < kWarmUpSearches; ++q) {
    if (c.Post("/mcp/search", SearchBody(space, corpus.Query(1'000'000 + q, n), 10)) != 200) {
      ++out.failed;
    }
  }
  std::vector<double> ms;
  for (long q = 0; q < queries; ++q) {
    const std::string body = SearchBody(space, corpus.Query(static_cast<uint64_t>(q), n), 10);
    const auto begin = Clock::now();
    if (c.Post("/mcp/search", body) != 200) ++out.failed;
    ms.push_back(Ms(begin));
  }
  out.p50_ms = Percentile(ms, 0.5);
  out.p99_ms = Percentile(ms, 0.99);
  return out;
}

struct NodeStart {
  double open_s = -1, ready_s = -1, searchable_s = -1, graph_s = -1;
};

// Times a node from spawn: port answering, indexes loaded, keyword lag 0 with the probes found,
// vector lag 0. Leaves `out` at -1 for what did not happen before `deadline`.
bool TimeNewNode(Server& node, const SemanticCorpus& corpus, const std::string& space, size_t n,
                 Clock::time_point deadline, NodeStart* out) {
  const std::vector<size_t> probes = {0, n / 2, n - 1};
  Connection c(node.port(), node.key());
  bool connected = false;
  while (Clock::now() < deadline) {
    if (node.Exited()) return false;
    if (!connected) {
      connected = c.Connect();
      if (!connected) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
    }
    std::string text;
    const int status = c.Get("/metrics", &text);
    if (status == 0) {
      connected = false;
      continue;
    }
    const double at = Seconds(node.started());
    if (status == 200) {
      if (out->open_s < 0) out->open_s = at;
      auto gauge = [&text](const std::string& name) {
        const size_t p = text.find("\n" + name + " ");
        return p == std::string::npos ? -1 : std::atof(text.c_str() + p + name.size() + 2);
      };
      if (out->ready_s < 0 && gauge("memoryd_indexes_ready") == 1) out->ready_s = at;
      if (out->searchable_s < 0 && gauge("memoryd_index_lag_versions") == 0) {
        bool all = true;
        for (size_t i : probes) {
          std::string answer;
          if (c.Post("/mcp/search", SearchBody(space, corpus.Memory(i), 10), &answer) != 200 ||
              !Holds(answer, "m" + std::to_string(i))) {
            all = false;
            break;
          }
        }
        if (all) out->searchable_s = at;
      }
      if (out->searchable_s >= 0 && gauge("memoryd_vector_index_lag_versions") == 0) {
        out->graph_s = Seconds(node.started());
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A word nothing else holds: letters only, so every analyzer keeps it whole.
std::string UniqueWord(uint64_t nonce, uint64_t i) {
  std::string w = "qz";
  for (uint64_t x = nonce * 100000 + i; x > 0; x /= 26) w += static_cast<char>('a' + x % 26);
  return w + "xq";
}

struct Freshness {
  std::vector<double> ack_ms, searchable_ms, after_ack_ms;
  size_t missed = 0, failed = 0;
};

// One PUT on `writer`, then a search on `reader` every `poll` until the memory is in its top 10.
void WriteAndFind(Connection& writer, Connection& reader, const std::string& space,
                  const std::string& key, const std::string& word, std::chrono::milliseconds poll,
                  std::chrono::milliseconds give_up, Freshness* out) {
  const std::string body =
      "{\"key\":" + JsonString(key) +
      ",\"value\":" + JsonString("Fresh note " + word + " written for the freshness check") + "}";
  const std::string search = SearchBody(space, word, 10);
  const auto start = Clock::now();
  if (writer.Put("/api/rest/memory?space=" + space, body) != 201) {
    ++out->failed;
    return;
  }
  const auto acked = Clock::now();
  out->ack_ms.push_back(Ms(start));
  for (auto next = Clock::now(); Clock::now() - start < give_up; next += poll) {
    std::string answer;
    if (reader.Post("/mcp/search", search, &answer) != 200) {
      ++out->failed;
      return;
    }
    if (Holds(answer, key)) {
      out->searchable_ms.push_back(Ms(start));
      out->after_ack_ms.push_back(Ms(acked));
      return;
    }
    std::this_thread::sleep_until(next + poll);
  }
  ++out->missed;
}

std::string Fmt(double v, const char* format = "%.2f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

int Run(const Args& args) {
  const std::string bin = args.Get("memoryd", "build/memoryd");
  const std::string space = args.Get("space", "bulk");
  const size_t n = static_cast<size_t>(args.Int("n", 100000));
  const long rounds = args.Int("rounds", 3);
  const int connections = static_cast<int>(args.Int("connections", 16));
  const auto get_s = std::chrono::seconds(args.Int("get-s", 10));
  const long queries = args.Int("queries", 1000);
  const long node_starts = args.Int("node-starts", 3);
  const long writes = args.Int("writes", 200);
  const auto poll = std::chrono::milliseconds(args.Int("poll-ms", 5));
  const auto give_up = std::chrono::milliseconds(args.Int("give-up-s", 5) * 1000);
  const auto jitter = std::chrono::milliseconds(args.Int("jitter-ms", 500));
  const auto deadline = Clock::now() + std::chrono::seconds(args.Int("timeout-s", 1800));
  const std::string work =
      args.Get("work-dir", "/tmp/bench-pg-nodes-" + std::to_string(::getpid()));
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", work.c_str(), ec.message().c_str());
    return 1;
  }
  ::chmod(work.c_str(), 0755);  // the cluster's owner (postgres, when run as root) goes through it

  std::printf(
      "bench_pg_nodes: n=%zu rounds=%ld connections=%d get_s=%lld queries=%ld "
      "node_starts=%ld writes=%ld poll_ms=%lld\n",
      n, rounds, connections, static_cast<long long>(get_s.count()), queries, node_starts, writes,
      static_cast<long long>(poll.count()));
  std::printf("LOADAVG_START=%s\n", LoadAvg().c_str());
  // Destroyed last: the work directory goes once the servers and the cluster have stopped, unless
  // something failed (its logs are kept) or --keep=1.
  struct RemoveAtEnd {
    std::string dir;
    bool remove = false;
    ~RemoveAtEnd() {
      std::error_code ignored;
      if (remove) std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{work};
  Cluster cluster(args.Get("cluster-script", "tests/pg/cluster.sh"), work + "/pg");
  std::string url = args.Get("database", "");
  if (url.empty()) {
    if (!cluster.Start()) {
      std::fprintf(stderr, "cannot start the PostgreSQL cluster\n");
      return 1;
    }
    url = cluster.url();
  }
  std::printf("DATABASE=%s\n", url.c_str());
  std::fflush(stdout);
  int failures = 0;
  const SemanticCorpus corpus;
  {
    for (const char* d : {"/sqlite", "/pg-a", "/pg-b"}) {
      fs::remove_all(work + d, ec);
      fs::create_directories(work + d, ec);
    }
    Server sqlite(bin, work + "/sqlite", {}, work + "/sqlite.log");
    Server pg_a(bin, work + "/pg-a", {"--database", url}, work + "/pg-a.log");
    if (!WaitHealthy(sqlite, deadline) || !WaitHealthy(pg_a, deadline)) {
      std::fprintf(stderr, "a server did not come up (logs in %s)\n", work.c_str());
      return 1;
    }
    struct Backend {
      const char* name;
      Server* server;
      Loaded loaded;
      std::vector<double> get_per_s, get_p50, get_p99, search_p50, search_p99;
    };
    Backend backends[2] = {{"sqlite", &sqlite, {}, {}, {}, {}, {}, {}},
                           {"postgresql", &pg_a, {}, {}, {}, {}, {}, {}}};
    for (Backend& b : backends) {
      std::printf("LOAD %s: loadavg %s\n", b.name, LoadAvg().c_str());
      std::fflush(stdout);
      b.loaded = Load(*b.server, corpus, space, n, deadline);
      std::printf("LOAD %s: acked %.1f s, words %.1f s, graph %.1f s, failed %zu\n", b.name,
                  b.loaded.acked_s, b.loaded.words_s, b.loaded.graph_s, b.loaded.failed);
      std::fflush(stdout);
      if (b.loaded.failed > 0 || b.loaded.graph_s < 0) ++failures;
    }
    for (long r = 0; r < rounds && failures == 0; ++r) {
      for (int k = 0; k < 2; ++k) {
        Backend& b = backends[(r + k) % 2];
        const std::string before = LoadAvg();
        const GetRun g = Gets(*b.server, space, n, connections, get_s);
        const std::string middle = LoadAvg();
        const SearchRun s = Searches(*b.server, corpus, space, n, queries);
        std::printf(
            "ROUND %ld %s: GET %.0f/s p50 %.2f p99 %.2f ms (loadavg %s) | search p50 %.2f "
            "p99 %.2f ms (loadavg %s) | failed %zu\n",
            r + 1, b.name, g.per_s, g.p50_ms, g.p99_ms, before.c_str(), s.p50_ms, s.p99_ms,
            middle.c_str(), g.failed + s.failed);
        std::fflush(stdout);
        if (g.failed + s.failed > 0) ++failures;
        b.get_per_s.push_back(g.per_s);
        b.get_p50.push_back(g.p50_ms);
        b.get_p99.push_back(g.p99_ms);
        b.search_p50.push_back(s.p50_ms);
        b.search_p99.push_back(s.p99_ms);
      }
    }
    if (failures > 0) {
      std::fprintf(stderr, "failed requests or a timeout (logs in %s)\n", work.c_str());
      return 1;
    }

    // A new node on the same database.
    std::vector<double> open_s, ready_s, searchable_s, graph_s;
    std::unique_ptr<Server> pg_b;
    for (long i = 0; i < node_starts; ++i) {
      pg_b.reset();
      fs::remove_all(work + "/pg-b", ec);
      fs::create_directories(work + "/pg-b", ec);
      const std::string load = LoadAvg();
      pg_b = std::make_unique<Server>(
          bin, work + "/pg-b", std::vector<std::string>{"--database", url}, work + "/pg-b.log");
      NodeStart t;
      if (!TimeNewNode(*pg_b, corpus, space, n, deadline, &t)) {
        std::fprintf(stderr, "the new node did not become searchable (log in %s)\n", work.c_str());
        return 1;
      }
      std::printf(
          "NEW_NODE %ld: port %.2f s, indexes loaded %.2f s, searchable %.2f s, graph "
          "%.2f s (loadavg %s)\n",
          i + 1, t.open_s, t.ready_s, t.searchable_s, t.graph_s, load.c_str());
      std::fflush(stdout);
      open_s.push_back(t.open_s);
      ready_s.push_back(t.ready_s);
      searchable_s.push_back(t.searchable_s);
      graph_s.push_back(t.graph_s);
    }

    // Write-to-searchable, one write at a time, the three kinds interleaved.
    const char* kinds[3] = {"A->B (PostgreSQL, across nodes)", "A->A (PostgreSQL, one node)",
                            "S->S (SQLite, one node)"};
    Server* writers[3] = {&pg_a, &pg_a, &sqlite};
    Server* readers[3] = {pg_b.get(), &pg_a, &sqlite};
    Freshness fresh[3];
    const std::string fresh_load = LoadAvg();
    {
      std::vector<std::unique_ptr<Connection>> w, rd;
      for (int k = 0; k < 3; ++k) {
        w.push_back(std::make_unique<Connection>(writers[k]->port(), writers[k]->key()));
        rd.push_back(std::make_unique<Connection>(readers[k]->port(), readers[k]->key()));
        if (!w.back()->Connect() || !rd.back()->Connect()) return 1;
      }
      const uint64_t nonce = static_cast<uint64_t>(::getpid()) % 100000;
      std::mt19937_64 rng(11);
      std::uniform_int_distribution<long> pause(0, jitter.count());
      for (long i = 0; i < writes; ++i) {
        for (int k = 0; k < 3; ++k) {
          // A random pause first, so writes do not fall at one phase of the follower's polling.
          std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
          const uint64_t id = static_cast<uint64_t>(i) * 3 + static_cast<uint64_t>(k);
          WriteAndFind(*w[k], *rd[k], space, "fresh-" + std::to_string(id), UniqueWord(nonce, id),
                       poll, give_up, &fresh[k]);
        }
      }
    }
    for (int k = 0; k < 3; ++k) {
      std::printf(
          "FRESH %s: p50 %.1f p99 %.1f max %.1f ms (PUT p50 %.1f p99 %.1f max %.1f ms; after "
          "the PUT's answer p50 %.1f p99 %.1f max %.1f ms), found %zu, missed %zu, failed %zu\n",
          kinds[k], Percentile(fresh[k].searchable_ms, 0.5),
          Percentile(fresh[k].searchable_ms, 0.99), Percentile(fresh[k].searchable_ms, 1.0),
          Percentile(fresh[k].ack_ms, 0.5), Percentile(fresh[k].ack_ms, 0.99),
          Percentile(fresh[k].ack_ms, 1.0), Percentile(fresh[k].after_ack_ms, 0.5),
          Percentile(fresh[k].after_ack_ms, 0.99), Percentile(fresh[k].after_ack_ms, 1.0),
          fresh[k].searchable_ms.size(), fresh[k].missed, fresh[k].failed);
      if (fresh[k].failed > 0) ++failures;
    }
    std::printf("LOADAVG_END=%s\n\n", LoadAvg().c_str());

    // The summary.
    const Backend& s = backends[0];
    const Backend& p = backends[1];
    const double search_ratio = Median(p.search_p50) / Median(s.search_p50);
    const bool search_ok = search_ratio <= 1.10;
    const double cross_p99 = Percentile(fresh[0].searchable_ms, 0.99);
    const bool cross_ok = fresh[0].missed == 0 && cross_p99 <= 1000;
    std::printf(
        "| %zu memories, medians of %ld rounds | SQLite | PostgreSQL | PostgreSQL / "
        "SQLite |\n|---|---|---|---|\n",
        n, rounds);
    auto row = [](const char* what, double a, double b, const char* format, const char* note) {
      std::printf("| %s | %s | %s | %.2f ×%s |\n", what, Fmt(a, format).c_str(),
                  Fmt(b, format).c_str(), b / a, note);
    };
    row("bulk load answered (s)", s.loaded.acked_s, p.loaded.acked_s, "%.1f", "");
    row("searchable by words (s)", s.loaded.words_s, p.loaded.words_s, "%.1f", "");
    row("every memory in the graph (s)", s.loaded.graph_s, p.loaded.graph_s, "%.1f", "");
    row("GET by key (req/s)", Median(s.get_per_s), Median(p.get_per_s), "%.0f", "");
    row("GET p50 (ms)", Median(s.get_p50), Median(p.get_p50), "%.2f", "");
    row("GET p99 (ms)", Median(s.get_p99), Median(p.get_p99), "%.2f", "");
    row("search p50 (ms)", Median(s.search_p50), Median(p.search_p50), "%.2f",
        search_ok ? " ✔ (≤ 1.10)" : " ✘ (target ≤ 1.10)");
    row("search p99 (ms)", Median(s.search_p99), Median(p.search_p99), "%.2f", "");
    std::printf(
        "\n| new node on the database, medians of %ld starts | seconds from spawn |\n"
        "|---|---|\n| port answering | %.2f |\n| indexes loaded | %.2f |\n"
        "| searchable (keyword lag 0, probes found) | %.2f |\n"
        "| every memory in its graph (vector lag 0) | %.2f |\n",
        node_starts, Median(open_s), Median(ready_s), Median(searchable_s), Median(graph_s));
    std::printf(
        "\n| write-to-searchable, %ld writes each (loadavg %s) | p50 ms | p99 ms | max "
        "ms | PUT p50 ms | not found in %lld s |\n|---|---|---|---|---|---|\n",
        writes, fresh_load.c_str(), static_cast<long long>(give_up.count() / 1000));
    for (int k = 0; k < 3; ++k) {
      std::printf("| %s%s | %.1f | %.1f | %.1f | %.1f | %zu |\n", kinds[k],
                  k == 0 ? (cross_ok ? " ✔ (≤ 1 s)" : " ✘ (target ≤ 1 s)") : "",
                  Percentile(fresh[k].searchable_ms, 0.5), Percentile(fresh[k].searchable_ms, 0.99),
                  Percentile(fresh[k].searchable_ms, 1.0), Percentile(fresh[k].ack_ms, 0.5),
                  fresh[k].missed);
    }
    std::printf("\nSEARCH_P50_RATIO=%.3f\nCROSS_NODE_P99_MS=%.1f\n", search_ratio, cross_p99);
    std::fflush(stdout);
    if (failures > 0) return 1;
    cleanup.remove = args.Get("keep", "0") != "1";
    return !search_ok || !cross_ok ? 2 : 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args) || args.mode != "run") {
    std::fprintf(stderr, "usage: see the comment at the top of bench/pg_nodes.cc\n");
    return 2;
  }
  return Run(args);
}
