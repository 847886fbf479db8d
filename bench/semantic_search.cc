// bench_semantic_search: server-side hybrid search latency at scale, in process.
//
// Opens a Stack (src/app/stack.h: store, built-in embedder, search engine, MemoryService) on a
// data directory, fills one space with `--n` memories of bench/semantic_corpus.h through
// MemoryService::BulkPut (batches of 20, capsule keys m<i>: every write is embedded and indexed
// exactly as the server does it), then times MemoryService::Search for `--queries` varied
// queries, `--rounds` times, single thread. Besides the whole call it times its parts on their
// own: the query embedding, SearchEngine::Search (BM25 + HNSW + fusion) and the rest (space
// lookup and loading the hits' rows from SQLite = whole - embed - engine, approximately).
// Then it closes the Stack (which saves the vector index) and times reopening it until the
// first search answers, `--rounds` times, checking that the first 100 queries answer exactly as
// before. Last, recall@10 of the saved HNSW graph (the server's own, loaded from D/index) against
// an exact scan of the same vectors, over the query embeddings, for several ef_search values,
// each also as the engine asks (the best 10 of 100 candidates; the engine's ef_search is 100, and
// the walk widens past 250,000 vectors: HnswVectorIndex::EffectiveEf); --recall=0 skips it.
//
// Usage: bench_semantic_search [--n=100000] [--queries=1000] [--rounds=3] [--top_k=10]
//                              [--data-dir=DIR] [--keep] [--space=bench]
// Without --data-dir a fresh directory is made under $TMPDIR (removed at exit unless --keep).
// With --data-dir, memories already there are kept and only the missing ones are written, so
// one directory can serve several runs (and bench/semantic/run.sh's server).
// Loading uses --sync normal (no fsync per commit): durability is not what is measured.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/stack.h"
#include "embed/builtin_embedder.h"
#include "index/brute_force_vector_index.h"
#include "index/hnsw_vector_index.h"
#include "search/space_index.h"
#include "semantic_corpus.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBatch = 20;  // MemoryService's max_bulk_set_items default
constexpr float kTieEpsilon = 1e-5f;

struct Args {
  size_t n = 100000;
  size_t queries = 1000;
  int rounds = 3;
  int64_t top_k = 10;
  std::string data_dir;
  std::string space = "bench";
  bool keep = false;
  bool recall = true;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--keep") {
      args->keep = true;
      continue;
    }
    const size_t eq = a.find('=');
    if (!a.starts_with("--") || eq == std::string_view::npos) return false;
    const std::string_view key = a.substr(2, eq - 2);
    const std::string value(a.substr(eq + 1));
    if (key == "n") {
      args->n = std::stoul(value);
    } else if (key == "queries") {
      args->queries = std::stoul(value);
    } else if (key == "rounds") {
      args->rounds = std::stoi(value);
    } else if (key == "top_k") {
      args->top_k = std::stol(value);
    } else if (key == "data-dir") {
      args->data_dir = value;
    } else if (key == "space") {
      args->space = value;
    } else if (key == "recall") {
      args->recall = value != "0";
    } else {
      return false;
    }
  }
  return args->n > 0 && args->queries > 0 && args->rounds > 0;
}

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double MicrosSince(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

long RssKb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

[[noreturn]] void Die(const char* what, const memoryd::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<memoryd::Stack> OpenStack(const std::string& dir) {
  memoryd::StackConfig config;
  config.data_dir = dir;
  config.full_sync = false;
  auto stack = memoryd::Stack::Open(config);
  if (!stack.ok()) Die("Stack::Open", stack.status());
  // The indexes load in the background; every measurement here is of loaded indexes.
  if (!(*stack)->WaitUntilSearchable(std::chrono::hours(1))) {
    Die("loading the indexes", memoryd::Status::Internal("not searchable"));
  }
  return std::move(stack).value();
}

// Writes memories until the space holds `n`; returns how many were written.
size_t Load(memoryd::Stack& stack, const memoryd::SpaceRef& space, size_t n,
            const memoryd::bench::SemanticCorpus& corpus) {
  auto count = stack.service().Count(space);
  const size_t have = count.ok() ? static_cast<size_t>(*count) : 0;
  const auto start = Clock::now();
  for (size_t i = have; i < n; i += kBatch) {
    std::vector<memoryd::BulkItem> items;
    for (size_t j = i; j < std::min(n, i + kBatch); ++j) {
      memoryd::MemoryInput input;
      input.key = "m" + std::to_string(j);
      input.text = corpus.Memory(j);
      items.push_back({std::move(input), ""});
    }
    auto put = stack.service().BulkPut(space, std::move(items));
    if (!put.ok()) Die("BulkPut", put.status());
    if ((i / kBatch) % 500 == 0) {
      std::fprintf(stderr, "\rloaded %zu / %zu (%.0f s)", i, n, MicrosSince(start) / 1e6);
    }
  }
  if (have < n) {
    const double s = MicrosSince(start) / 1e6;
    std::fprintf(stderr, "\rloaded %zu memories in %.1f s (%.0f/s)\n", n - have, s,
                 static_cast<double>(n - have) / s);
  }
  return n > have ? n - have : 0;
}

// Until both halves of the indexes hold every write: the keyword halves caught up here, the
// graphs by the stack's vector builder (on every core).
void WaitForIndexes(memoryd::Stack& stack) {
  if (auto s = stack.engine().CatchUpText(); !s.ok()) Die("CatchUpText", s);
  auto version = stack.store().CurrentVersion();
  if (!version.ok()) Die("CurrentVersion", version.status());
  const auto start = Clock::now();
  while (stack.engine().Stats().graph_version < *version) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (MicrosSince(start) > 10 * 60 * 60 * 1e6)
      Die("waiting", memoryd::Status::Internal("the graphs did not catch up in 10 h"));
  }
}

struct Round {
  std::vector<double> whole_us, whole_cpu_us, embed_us, engine_us;
};

// One pass over the queries: the whole Search call, then its parts on their own.
Round TimeRound(memoryd::Stack& stack, memoryd::Embedder& embedder, const memoryd::SpaceRef& space,
                int64_t space_id, const std::vector<std::string>& queries, int64_t top_k,
                size_t* hits) {
  Round r;
  for (const std::string& q : queries) {
    memoryd::SearchQuery query;
    query.text = q;
    query.top_k = top_k;
    const double cpu = ThreadCpuMicros();
    const auto start = Clock::now();
    auto found = stack.service().Search(space, query);
    r.whole_us.push_back(MicrosSince(start));
    r.whole_cpu_us.push_back(ThreadCpuMicros() - cpu);
    if (!found.ok()) Die("Search", found.status());
    *hits += found->results.size();
  }
  std::vector<memoryd::Vector> vectors;
  for (const std::string& q : queries) {
    const auto start = Clock::now();
    vectors.push_back(embedder.Embed({q}).value().front());
    r.embed_us.push_back(MicrosSince(start));
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr)) * 1000;
  for (size_t i = 0; i < queries.size(); ++i) {
    const auto start = Clock::now();
    auto found = stack.engine().Search(space_id, queries[i], vectors[i], static_cast<size_t>(top_k),
                                       nullptr, now);
    r.engine_us.push_back(MicrosSince(start));
  }
  return r;
}

void PrintRow(const char* what, const std::vector<double>& p50s, const std::vector<double>& p99s) {
  std::printf("| %s | %.0f | %.0f |", what, Median(p50s), Median(p99s));
  for (size_t i = 0; i < p50s.size(); ++i) std::printf(" %.0f/%.0f", p50s[i], p99s[i]);
  std::printf(" |\n");
}

// The ids and scores of each query's results, to check that a reopened index answers alike.
std::vector<std::string> Answers(memoryd::Stack& stack, const memoryd::SpaceRef& space,
                                 const std::vector<std::string>& queries) {
  std::vector<std::string> out;
  for (const std::string& text : queries) {
    memoryd::SearchQuery q;
    q.text = text;
    auto found = stack.service().Search(space, q);
    if (!found.ok()) Die("Search", found.status());
    std::string answer;
    for (const auto& r : found->results)
      answer += r.memory.id + ":" + std::to_string(r.score) + " ";
    out.push_back(std::move(answer));
  }
  return out;
}

// Times Stack::Open plus the first search, `rounds` times, and checks that the reopened indexes
// answer `queries` exactly as `expected`.
std::vector<double> TimeReopen(const std::string& dir, const memoryd::SpaceRef& space,
                               const std::vector<std::string>& queries,
                               const std::vector<std::string>& expected, int rounds) {
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    const auto start = Clock::now();
    auto stack = OpenStack(dir);
    memoryd::SearchQuery q;
    q.text = queries.front();
    auto found = stack->service().Search(space, q);
    ms.push_back(MicrosSince(start) / 1e3);
    if (!found.ok() || found->results.empty()) Die("first search", found.status());
    const auto answers = Answers(*stack, space, queries);
    size_t same = 0;
    for (size_t k = 0; k < answers.size(); ++k) same += answers[k] == expected[k];
    std::printf(
        "reopen round %d: %.0f ms to the first search (RSS %ld MiB); %zu of %zu queries "
        "answer exactly as before the restart\n",
        i, ms.back(), RssKb() / 1024, same, answers.size());
  }
  return ms;
}

// Recall@10 of the saved graph of `space_id` against brute force over the same vectors.
void MeasureRecall(const Args& args, int64_t space_id, memoryd::Stack& stack,
                   const memoryd::SpaceRef& space, const std::vector<std::string>& queries) {
  auto embedder = memoryd::BuiltinEmbedder::Create().value();
  auto hnsw = memoryd::HnswVectorIndex::Load(
      args.data_dir + "/index/space-" + std::to_string(space_id) + ".hnsw", embedder->Name(),
      embedder->Dimension());
  if (!hnsw.ok()) Die("loading the saved HNSW index", hnsw.status());
  memoryd::BruteForceVectorIndex exact(embedder->Dimension());
  for (size_t i = 0; i < args.n; ++i) {
    auto memory = stack.service().Get(space, "m" + std::to_string(i));
    if (!memory.ok()) Die("Get", memory.status());
    // The server embeds key, title and text together (SpaceIndex::IndexText).
    (void)exact.Add(static_cast<uint64_t>(memory->seq),
                    embedder->EmbedOne(
                        memoryd::SpaceIndex::IndexText(memory->key, memory->title, memory->text)));
  }
  std::vector<memoryd::Vector> vectors;
  std::vector<std::vector<memoryd::VectorHit>> truth;
  for (const auto& q : queries) {
    vectors.push_back(embedder->EmbedOne(q));
    truth.push_back(exact.Search(vectors.back(), 10).value());
  }
  std::printf(
      "\n| ef_search | effective ef | recall@10 (labels) | recall@10 (tie-aware) | "
      "recall@10 of 100 candidates | HNSW search p50 µs | p99 µs "
      "|\n|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t ef : {32, 50, 64, 100, 128, 160, 200, 400}) {
    (*hnsw)->SetEfSearch(ef);
    size_t found = 0, found_tied = 0, total = 0, found_engine = 0;
    std::vector<double> us;
    for (size_t q = 0; q < queries.size(); ++q) {
      const auto start = Clock::now();
      auto got = (*hnsw)->Search(vectors[q], 10).value();
      us.push_back(MicrosSince(start));
      for (const auto& t : truth[q]) {
        for (const auto& g : got) found += g.label == t.label;
      }
      // As the engine asks: 100 candidates (SearchEngineOptions::vector_candidates), of which
      // the best 10 are compared.
      auto candidates = (*hnsw)->Search(vectors[q], 100).value();
      if (candidates.size() > 10) candidates.resize(10);
      for (const auto& t : truth[q]) {
        for (const auto& g : candidates) found_engine += g.label == t.label;
      }
      // Tie-aware: a result as similar as the exact 10th is as good as any (many template
      // memories share the same words, so exact ties at the 10th place are common).
      const float tenth = truth[q].empty() ? 1.0f : truth[q].back().similarity;
      for (const auto& g : got) found_tied += g.similarity >= tenth - kTieEpsilon;
      total += truth[q].size();
    }
    std::printf("| %zu | %zu | %.4f | %.4f | %.4f | %.0f | %.0f |\n", ef,
                memoryd::HnswVectorIndex::EffectiveEf(ef, (*hnsw)->Size()),
                static_cast<double>(found) / static_cast<double>(total),
                static_cast<double>(std::min(found_tied, total)) / static_cast<double>(total),
                static_cast<double>(found_engine) / static_cast<double>(total), Percentile(us, 0.5),
                Percentile(us, 0.99));
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr, "usage: see the comment at the top of bench/semantic_search.cc\n");
    return 2;
  }
  const bool own_dir = args.data_dir.empty();
  if (own_dir) {
    const char* tmp = std::getenv("TMPDIR");
    args.data_dir =
        std::string(tmp ? tmp : "/tmp") + "/bench-semantic-" + std::to_string(::getpid());
  }
  const memoryd::bench::SemanticCorpus corpus;
  const memoryd::SpaceRef space{memoryd::kDefaultAccountId, args.space};
  const long rss_before = RssKb();
  auto stack = OpenStack(args.data_dir);
  const auto load_start = Clock::now();
  const size_t loaded = Load(*stack, space, args.n, corpus);
  WaitForIndexes(*stack);  // the stack's vector builder finishes the graph
  if (loaded > 0) {
    std::printf("LOAD_TO_INDEXED_S=%.1f (%zu memories written, then indexed)\n",
                MicrosSince(load_start) / 1e6, loaded);
  }
  auto embedder = memoryd::BuiltinEmbedder::Create().value();
  auto space_id = stack->store().FindSpaceId(space);
  if (!space_id.ok() || !*space_id) Die("FindSpaceId", space_id.status());
  const auto stats = stack->engine().Stats();
  std::printf("n=%zu documents=%zu vectors=%zu queries=%zu top_k=%ld rounds=%d dir=%s\n", args.n,
              stats.documents, stats.vectors, args.queries, static_cast<long>(args.top_k),
              args.rounds, args.data_dir.c_str());
  std::printf("process RSS after load: %ld MiB (at start %ld MiB)\n", RssKb() / 1024,
              rss_before / 1024);
  std::vector<std::string> queries;
  for (size_t q = 0; q < args.queries; ++q) queries.push_back(corpus.Query(q, args.n));

  std::vector<double> p50[4], p99[4];
  size_t hits = 0;
  for (int round = 0; round < args.rounds; ++round) {
    Round r = TimeRound(*stack, *embedder, space, **space_id, queries, args.top_k, &hits);
    const std::vector<double>* parts[4] = {&r.whole_us, &r.whole_cpu_us, &r.embed_us, &r.engine_us};
    for (int k = 0; k < 4; ++k) {
      p50[k].push_back(Percentile(*parts[k], 0.5));
      p99[k].push_back(Percentile(*parts[k], 0.99));
    }
    std::fflush(stdout);
  }
  std::printf("mean hits per query: %.2f\n",
              static_cast<double>(hits) / static_cast<double>(args.queries * args.rounds));
  std::printf("\n| part (µs) | p50 | p99 | per round p50/p99 |\n|---|---:|---:|---|\n");
  PrintRow("MemoryService::Search (wall)", p50[0], p99[0]);
  PrintRow("MemoryService::Search (thread CPU)", p50[1], p99[1]);
  PrintRow("query embedding alone", p50[2], p99[2]);
  PrintRow("SearchEngine::Search alone", p50[3], p99[3]);
  std::printf("SEARCH_P50_US=%.0f\nSEARCH_P99_US=%.0f\n", Median(p50[0]), Median(p99[0]));
  std::fflush(stdout);

  const std::vector<std::string> check(queries.begin(),
                                       queries.begin() + std::min<size_t>(queries.size(), 100));
  const auto expected = Answers(*stack, space, check);
  stack.reset();  // saves the vector index, as a server's shutdown does
  const auto reopen = TimeReopen(args.data_dir, space, check, expected, args.rounds);
  std::printf("REOPEN_TO_FIRST_SEARCH_MS=%.0f\n", Median(reopen));
  std::fflush(stdout);
  if (args.recall) {
    auto reopened = OpenStack(args.data_dir);
    MeasureRecall(args, **space_id, *reopened, space, queries);
  }
  if (own_dir && !args.keep) std::filesystem::remove_all(args.data_dir);
  return 0;
}
