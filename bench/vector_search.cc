// bench_vector_search: search latency (p50/p99) and recall@10 of HnswVectorIndex against the
// exact BruteForceVectorIndex, single thread.
//
// Usage: bench_vector_search [--n=100000] [--queries=1000] [--dims=256,384] [--m=16]
//                            [--ef_construction=200] [--ef=16,32,64,128] [--data=uniform,clustered]
// --ef lists the ef_search values to sweep; defaults come from HnswOptions.
// Data: "uniform" = random unit vectors (the hardest case: no structure at all);
// "clustered" = unit vectors around 1,000 random centres, closer to real text embeddings.
// Every random choice uses a fixed seed, so runs are comparable.
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

#include "index/brute_force_vector_index.h"
#include "index/hnsw_vector_index.h"

namespace {

using memoryd::Vector;
using Clock = std::chrono::steady_clock;

constexpr size_t kRecallK = 10;
constexpr int kClusters = 1000;
// Noise added to a centre has this expected norm, so two members of one cluster have a cosine
// similarity near 1 / (1 + 0.8^2) = 0.6, as related sentences do with common embedding models.
constexpr float kClusterNoiseNorm = 0.8f;

struct Args {
  size_t n = 100000;
  size_t queries = 1000;
  std::vector<int> dims = {256, 384};
  size_t m = memoryd::HnswOptions().m;
  size_t ef_construction = memoryd::HnswOptions().ef_construction;
  std::vector<size_t> efs = {16, 32, 64, 128};
  std::vector<std::string> data = {"uniform", "clustered"};
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

Vector RandomUnit(int dim, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Vector v(dim);
  double norm2 = 0;
  for (float& x : v) {
    x = normal(rng);
    norm2 += x * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm2));
  return v;
}

// Generates `count` vectors of the chosen kind; `centres` is shared by data and queries.
std::vector<Vector> MakeVectors(const std::string& kind, size_t count, int dim,
                                const std::vector<Vector>& centres, std::mt19937_64& rng) {
  std::vector<Vector> out;
  out.reserve(count);
  std::normal_distribution<float> noise(0.0f,
                                        kClusterNoiseNorm / std::sqrt(static_cast<float>(dim)));
  std::uniform_int_distribution<size_t> pick(0, centres.size() - 1);
  for (size_t i = 0; i < count; ++i) {
    if (kind == "uniform") {
      out.push_back(RandomUnit(dim, rng));
      continue;
    }
    Vector v = centres[pick(rng)];
    for (float& x : v) x += noise(rng);
    out.push_back(std::move(v));  // the index normalises
  }
  return out;
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

void RunOne(const Args& args, const std::string& kind, int dim) {
  std::mt19937_64 rng(42 + dim);
  std::vector<Vector> centres;
  for (int c = 0; c < kClusters; ++c) centres.push_back(RandomUnit(dim, rng));
  std::vector<Vector> data = MakeVectors(kind, args.n, dim, centres, rng);
  std::vector<Vector> queries = MakeVectors(kind, args.queries, dim, centres, rng);

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
    std::printf(" recall@10=%.4f\n", Recall(truth, got));
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
