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
#include <atomic>
#include <random>

#include "http_harness.h"
#include "semantic_corpus.h"

namespace {

using namespace bench_http;

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
  // The server indexes writes just after answering them; a search waits until the keyword index
  // holds every write made before it, and the metrics say when the vector graphs hold them too:
  // from then on every memory is findable by words and by meaning.
  {
    Connection c(server.port(), server.key());
    if (!c.Connect() || c.Post("/mcp/search", SearchBody(space, "settled", 1)) != 200) ++failed;
    // The vector graphs follow behind the keyword indexes: wait until they hold every write too.
    if (Gauge(c, "memoryd_vector_index_lag_versions") > 0 &&
        WaitForZero(c, "memoryd_vector_index_lag_versions", start,
                    start + std::chrono::seconds(600)) < 0) {
      ++failed;
    }
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
  if (args.mode != "startup" && args.mode != "ingest") return 2;
  return args.mode == "startup" ? Startup(args) : Ingest(args);
}
