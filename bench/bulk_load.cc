// bench_bulk_load: a bulk load through POST /api/rest/memories/bulk/set while one client keeps
// searching, against a real memoryd binary on loopback (bench/http_harness.h).
//
//   bench_bulk_load run --memoryd=build/memoryd --data-dir=D [--n=100000] [--connections=8]
//       [--search-every-ms=50] [--space=bulk] [--check=200] [--timeout-s=600]
//     Writes --n distinct corpus memories (bench/semantic_corpus.h) with keys m<i>, 20 a request,
//     over --connections keep-alive connections, while one more connection searches every
//     --search-every-ms (varied queries) until the whole load is searchable. Prints:
//       BULK_ACK_S            first request to the last bulk answer
//       BULK_WORDS_S          ... until the keyword indexes hold every write (metrics lag 0)
//       BULK_SEARCHABLE_S     ... until the vector graphs hold every write too (a build without
//                             that gauge: BULK_WORDS_S, its one cursor covers both halves)
//       LOAD_SEARCH_P50_MS / LOAD_SEARCH_P99_MS / LOAD_SEARCH_MAX_MS / LOAD_SEARCHES
//                             searches issued from the first request until BULK_SEARCHABLE_S
//       CHECK_FOUND           of --check memories picked at random, how many a search by their
//                             own text returns in its top 10 once the load is searchable
//       RSS_KB                the server's VmRSS at the end
// Every request must answer 2xx, else the tool exits 1.
#include <atomic>
#include <random>

#include "http_harness.h"
#include "semantic_corpus.h"

namespace {

using namespace bench_http;

constexpr size_t kPerRequest = 20;  // the dialect's limit per bulk request

std::string SearchBody(const std::string& space, const std::string& q, long top_k) {
  return "{\"space\":" + JsonString(space) + ",\"q\":" + JsonString(q) +
         ",\"top_k\":" + std::to_string(top_k) + "}";
}

std::string BulkBody(const memoryd::bench::SemanticCorpus& corpus, size_t from, size_t to) {
  std::string body = "{\"items\":[";
  for (size_t i = from; i < to; ++i) {
    if (i > from) body += ',';
    body +=
        "{\"key\":\"m" + std::to_string(i) + "\",\"value\":" + JsonString(corpus.Memory(i)) + "}";
  }
  return body + "]}";
}

int Run(const Args& args) {
  const std::string space = args.Get("space", "bulk");
  const size_t n = static_cast<size_t>(args.Int("n", 100000));
  const int connections = static_cast<int>(args.Int("connections", 8));
  const auto every = std::chrono::milliseconds(args.Int("search-every-ms", 50));
  Server server(args, args.Get("log", args.Get("data-dir", "") + "/../memoryd-bulk.log"));
  server.WaitFor("/mcp/search", SearchBody(space, "warm up", 1));
  const memoryd::bench::SemanticCorpus corpus;
  std::atomic<size_t> next{0};
  std::atomic<size_t> failed{0};
  std::atomic<bool> settled{false};
  std::vector<double> search_ms;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(args.Int("timeout-s", 600));
  std::thread searcher([&] {
    Connection c(server.port(), server.key());
    if (!c.Connect()) return (void)++failed;
    for (uint64_t q = 0; !settled.load() && Clock::now() < deadline; ++q) {
      const auto begin = Clock::now();
      if (c.Post("/mcp/search", SearchBody(space, corpus.Query(q, n), 10)) != 200) ++failed;
      search_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      std::this_thread::sleep_until(begin + every);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < connections; ++t) {
    writers.emplace_back([&] {
      Connection c(server.port(), server.key());
      if (!c.Connect()) return (void)++failed;
      for (size_t from = next.fetch_add(kPerRequest); from < n;
           from = next.fetch_add(kPerRequest)) {
        const std::string target = "/api/rest/memories/bulk/set?space=" + space;
        if (c.Post(target, BulkBody(corpus, from, std::min(n, from + kPerRequest))) != 200) {
          ++failed;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  const double acked = std::chrono::duration<double>(Clock::now() - start).count();
  Connection metrics(server.port(), server.key());
  if (!metrics.Connect()) return 1;
  const double words = WaitForZero(metrics, "memoryd_index_lag_versions", start, deadline);
  // A build without the vector gauge indexes both halves on one cursor: searchable by words is
  // searchable.
  const double searchable =
      Gauge(metrics, "memoryd_vector_index_lag_versions") < 0
          ? words
          : WaitForZero(metrics, "memoryd_vector_index_lag_versions", start, deadline);
  settled = true;
  searcher.join();
  // Each memory picked is searched for by its own text: it must be among the top 10.
  std::mt19937_64 rng(7);
  const long checks = args.Int("check", 200);
  long found = 0;
  for (long i = 0; i < checks; ++i) {
    const size_t pick = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
    std::string answer;
    if (metrics.Post("/mcp/search", SearchBody(space, corpus.Memory(pick), 10), &answer) != 200) {
      ++failed;
    }
    if (answer.find("\"m" + std::to_string(pick) + "\"") != std::string::npos) ++found;
  }
  std::printf("bulk: %zu memories over %d connections (%zu a request), one search every %lld ms\n",
              n, connections, kPerRequest, static_cast<long long>(every.count()));
  std::printf("BULK_ACK_S=%.2f\nBULK_WORDS_S=%.2f\nBULK_SEARCHABLE_S=%.2f\n", acked, words,
              searchable);
  std::printf("LOAD_SEARCH_P50_MS=%.2f\nLOAD_SEARCH_P99_MS=%.2f\nLOAD_SEARCH_MAX_MS=%.2f\n",
              Percentile(search_ms, 0.5), Percentile(search_ms, 0.99), Percentile(search_ms, 1.0));
  std::printf("LOAD_SEARCHES=%zu\nCHECK_FOUND=%ld/%ld\nRSS_KB=%ld\nFAILED=%zu\n", search_ms.size(),
              found, checks, RssKb(server.pid()), failed.load());
  std::fflush(stdout);
  return failed.load() == 0 && searchable >= 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args) || args.mode != "run") {
    std::fprintf(stderr, "usage: see the comment at the top of bench/bulk_load.cc\n");
    return 2;
  }
  return Run(args);
}
