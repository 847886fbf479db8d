// bench_vector_search: search latency (p50/p99) and recall@10 of HnswVectorIndex against the
// exact BruteForceVectorIndex, single thread.
//
// Usage: bench_vector_search [--n=100000] [--queries=1000] [--dims=256,384] [--m=16]
//                            [--ef_construction=200] [--ef=16,32,64,128]
//                            [--data=builtin,manifold,clustered,uniform]
// --ef lists the ef_search values to sweep; m and ef_construction default to HnswOptions.
// Data (generators in src/index/vector_index_test_util.h and below, fixed seeds):
//   builtin    a synthetic topical corpus embedded by BuiltinEmbedder, memoryd's default model
//              (hashed word, phrase and character features: high intrinsic dimension);
//   manifold   near a random 16-dimensional subspace: the low intrinsic dimension of real text
//              embeddings (nearest neighbours at cosine ~0.8);
//   clustered  around 1,000 random centres (members of a cluster at cosine ~0.6);
//   uniform    uniformly random unit vectors: no structure at all, the worst case for any
//              approximate index (all similarities crowd around 0).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "embed/builtin_embedder.h"
#include "index/brute_force_vector_index.h"
#include "index/hnsw_vector_index.h"
#include "index/vector_index_test_util.h"

namespace {

using memoryd::Vector;
using Clock = std::chrono::steady_clock;

constexpr size_t kRecallK = 10;
constexpr int kClusters = 1000;
constexpr int kLatentDim = 16;

struct Args {
  size_t n = 100000;
  size_t queries = 1000;
  std::vector<int> dims = {256, 384};
  size_t m = memoryd::HnswOptions().m;
  size_t ef_construction = memoryd::HnswOptions().ef_construction;
  std::vector<size_t> efs = {16, 32, 64, 128};
  std::vector<std::string> data = {"builtin", "manifold", "clustered", "uniform"};
};

std::vector<std::string> SplitCsv(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
  }
  return out;
}

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    size_t eq = a.find('=');
    if (!a.starts_with("--") || eq == std::string_view::npos) return false;
    std::string_view key = a.substr(2, eq - 2);
    std::string value(a.substr(eq + 1));
    if (key == "n")
      args->n = std::stoul(value);
    else if (key == "queries")
      args->queries = std::stoul(value);
    else if (key == "m")
      args->m = std::stoul(value);
    else if (key == "ef_construction")
      args->ef_construction = std::stoul(value);
    else if (key == "data")
      args->data = SplitCsv(value);
    else if (key == "dims" || key == "ef") {
      std::vector<size_t> nums;
      for (const auto& part : SplitCsv(value)) nums.push_back(std::stoul(part));
      if (key == "ef")
        args->efs = nums;
      else
        args->dims.assign(nums.begin(), nums.end());
    } else {
      return false;
    }
  }
  return true;
}

// A synthetic corpus with topics: documents of 12-25 pseudo-words, half from a main topic, a
// fifth from a second topic, the rest from the whole vocabulary (Zipf-distributed everywhere).
// Queries are 4 words of a random document, as a user recalling a memory would type.
struct Corpus {
  std::vector<std::string> documents;
  std::vector<std::string> queries;
};

Corpus SyntheticCorpus(size_t n, size_t queries) {
  constexpr int kVocabulary = 20000, kTopics = 300, kWordsPerTopic = 200;
  static const char* kSyllables[] = {"ka",  "lo", "mer", "tin", "sa",  "ru",  "pel", "dor",
                                     "vi",  "ne", "qua", "bri", "sto", "fen", "gal", "hu",
                                     "jor", "mi", "zan", "ter", "wo",  "ly",  "cre", "pha"};
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> syllable(0, 23), length(2, 4);
  std::unordered_set<std::string> seen;
  std::vector<std::string> vocabulary;
  while (vocabulary.size() < kVocabulary) {
    std::string word;
    for (int i = length(rng); i > 0; --i) word += kSyllables[syllable(rng)];
    if (seen.insert(word).second) vocabulary.push_back(word);
  }
  auto zipf = [](size_t m) {
    std::vector<double> w(m);
    for (size_t i = 0; i < m; ++i) w[i] = 1.0 / static_cast<double>(i + 1);
    return std::discrete_distribution<size_t>(w.begin(), w.end());
  };
  std::uniform_int_distribution<size_t> any_word(0, kVocabulary - 1);
  std::vector<std::vector<size_t>> topics(kTopics);
  for (auto& t : topics) {
    for (int i = 0; i < kWordsPerTopic; ++i) t.push_back(any_word(rng));
  }
  auto in_topic = zipf(kWordsPerTopic), in_vocabulary = zipf(kVocabulary);
  std::uniform_int_distribution<int> topic(0, kTopics - 1), doc_length(12, 25);
  std::uniform_real_distribution<double> uniform(0, 1);
  Corpus corpus;
  std::vector<std::vector<std::string>> words(n);
  for (size_t d = 0; d < n; ++d) {
    const int t1 = topic(rng), t2 = topic(rng);
    std::string text;
    for (int i = doc_length(rng); i > 0; --i) {
      const double r = uniform(rng);
      const size_t w = r < 0.5   ? topics[t1][in_topic(rng)]
                       : r < 0.7 ? topics[t2][in_topic(rng)]
                                 : in_vocabulary(rng);
      words[d].push_back(vocabulary[w]);
      text.append(vocabulary[w]).append(" ");
    }
    corpus.documents.push_back(std::move(text));
  }
  std::uniform_int_distribution<size_t> document(0, n - 1);
  for (size_t q = 0; q < queries; ++q) {
    std::vector<std::string> picked = words[document(rng)];
    std::shuffle(picked.begin(), picked.end(), rng);
    std::string query = picked[0];
    for (int i = 1; i < 4; ++i) query.append(" ").append(picked[i]);
    corpus.queries.push_back(std::move(query));
  }
  return corpus;
}

// Embeds a synthetic corpus with the built-in embedder (memoryd's default model).
void BuiltinData(size_t n, size_t queries, int dim, std::vector<Vector>* data,
                 std::vector<Vector>* query_vectors) {
  memoryd::BuiltinEmbedderOptions options;
  options.dimension = dim;
  auto embedder = memoryd::BuiltinEmbedder::Create(options);
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s\n", embedder.status().ToString().c_str());
    std::exit(1);
  }
  Corpus corpus = SyntheticCorpus(n, queries);
  *data = (*embedder)->Embed(corpus.documents).value();
  *query_vectors = (*embedder)->Embed(corpus.queries).value();
}

// Data and queries of one kind, drawn from one generator (fixed seeds).
void MakeData(const std::string& kind, size_t n, size_t queries, int dim, std::vector<Vector>* data,
              std::vector<Vector>* query_vectors) {
  using namespace memoryd::testing;
  if (kind == "builtin") {
    BuiltinData(n, queries, dim, data, query_vectors);
  } else if (kind == "clustered") {
    ClusteredGenerator generator(dim, kClusters, /*seed=*/42);
    *data = generator.Sample(n, 1);
    *query_vectors = generator.Sample(queries, 2);
  } else if (kind == "manifold") {
    ManifoldGenerator generator(dim, kLatentDim, /*seed=*/42);
    *data = generator.Sample(n, 1);
    *query_vectors = generator.Sample(queries, 2);
  } else {
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < n; ++i) data->push_back(RandomUnitVector(dim, rng));
    for (size_t i = 0; i < queries; ++i) query_vectors->push_back(RandomUnitVector(dim, rng));
  }
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[i];
}

// CPU time of the calling thread in microseconds: on a shared machine it shows what a query costs
// without the time spent waiting for a core.
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct Latencies {
  std::vector<double> wall_us;
  std::vector<double> cpu_us;
};

template <typename Index>
Latencies TimeSearches(const Index& index, const std::vector<Vector>& queries,
                       std::vector<std::vector<memoryd::VectorHit>>* results) {
  Latencies lat;
  results->clear();
  for (const Vector& q : queries) {
    const double cpu_start = ThreadCpuMicros();
    const auto start = Clock::now();
    auto hits = index.Search(q, kRecallK);
    lat.wall_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    lat.cpu_us.push_back(ThreadCpuMicros() - cpu_start);
    if (!hits.ok()) {
      std::fprintf(stderr, "search failed: %s\n", hits.status().ToString().c_str());
      std::exit(1);
    }
    results->push_back(std::move(hits).value());
  }
  return lat;
}

void PrintLatencies(const char* what, const Latencies& lat) {
  std::printf("  %-20s wall p50=%8.1fus p99=%8.1fus | cpu p50=%8.1fus p99=%8.1fus", what,
              Percentile(lat.wall_us, 0.5), Percentile(lat.wall_us, 0.99),
              Percentile(lat.cpu_us, 0.5), Percentile(lat.cpu_us, 0.99));
}

double Recall(const std::vector<std::vector<memoryd::VectorHit>>& truth,
              const std::vector<std::vector<memoryd::VectorHit>>& got) {
  size_t found = 0, total = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    std::unordered_set<uint64_t> want;
    for (const auto& h : truth[q]) want.insert(h.label);
    for (const auto& h : got[q]) found += want.count(h.label);
    total += truth[q].size();
  }
  return total == 0 ? 1.0 : static_cast<double>(found) / total;
}

// Fraction of queries whose exact nearest neighbour is among the approximate results.
double NearestFound(const std::vector<std::vector<memoryd::VectorHit>>& truth,
                    const std::vector<std::vector<memoryd::VectorHit>>& got) {
  size_t found = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    if (truth[q].empty()) continue;
    for (const auto& h : got[q]) {
      if (h.label == truth[q][0].label) {
        ++found;
        break;
      }
    }
  }
  return truth.empty() ? 1.0 : static_cast<double>(found) / truth.size();
}

void RunOne(const Args& args, const std::string& kind, int dim) {
  std::vector<Vector> data, queries;
  MakeData(kind, args.n, args.queries, dim, &data, &queries);

  memoryd::HnswOptions options;
  options.m = args.m;
  options.ef_construction = args.ef_construction;
  auto hnsw = memoryd::HnswVectorIndex::Create(dim, options).value();
  memoryd::BruteForceVectorIndex exact(dim);
  auto start = Clock::now();
  for (size_t i = 0; i < data.size(); ++i) {
    if (!hnsw->Add(i, data[i]).ok()) std::exit(1);
  }
  const double build_s = std::chrono::duration<double>(Clock::now() - start).count();
  for (size_t i = 0; i < data.size(); ++i) {
    if (!exact.Add(i, data[i]).ok()) std::exit(1);
  }
  std::vector<std::vector<memoryd::VectorHit>> truth, got;
  Latencies exact_lat = TimeSearches(exact, queries, &truth);
  std::printf("data=%s dim=%d n=%zu m=%zu ef_construction=%zu build=%.1fs (%.0f vectors/s)\n",
              kind.c_str(), dim, args.n, args.m, args.ef_construction, build_s, args.n / build_s);
  PrintLatencies("brute force", exact_lat);
  std::printf("\n");
  for (size_t ef : args.efs) {
    hnsw->SetEfSearch(ef);
    Latencies lat = TimeSearches(*hnsw, queries, &got);
    PrintLatencies(("hnsw ef_search=" + std::to_string(ef)).c_str(), lat);
    std::printf(" recall@10=%.4f nearest-found=%.4f\n", Recall(truth, got),
                NearestFound(truth, got));
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr, "usage: see the comment at the top of bench/vector_search.cc\n");
    return 2;
  }
  for (const std::string& kind : args.data) {
    for (int dim : args.dims) RunOne(args, kind, dim);
  }
  return 0;
}
