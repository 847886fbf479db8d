// bench_hnsw_ingest: insert rate of raw hnswlib against HnswVectorIndex::Add, same run, same
// vectors, same graph parameters (m, ef_construction, seed), single thread.
//
// Usage: bench_hnsw_ingest [--n=20000] [--dim=384] [--m=16] [--ef_construction=200] [--reps=3]
//                          [--data=manifold|semantic] [--raw_only=1]
// --raw_only=1 times only raw hnswlib with the wrapper's metric (for run.sh on a slow machine).
// --data=semantic inserts the built-in embedder's vectors of bench/semantic_corpus.h memories
// 0..n-1, the very vectors `bench_semantic_http ingest --n=<n>` makes the server index.
// Prints one line per repetition and the medians, in vectors per wall-clock second and per CPU
// second of the inserting thread (the latter is what to compare on a busy machine). The line
//   RAW_HNSWLIB_VECTORS_PER_SEC=<median>
// is the ceiling an HTTP ingest benchmark can be compared with.
//
// "Raw hnswlib" is HierarchicalNSW with the wrapper's distance function, its full capacity up
// front and pre-normalised vectors; the wrapper starts at its default capacity (it grows by
// doubling), normalises and validates every vector and takes its lock, so the gap is the whole
// cost of the wrapper. For reference, raw hnswlib with its own InnerProductSpace (SSE-only under
// Debian's default flags) is timed too.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// hnswlib 0.6.2 defines these functions and variables (not inline) in its headers, and the
// library's hnsw_vector_index.cc already holds one copy; rename this file's copies so the link
// succeeds.
#define cpuid bench_cpuid
#define xgetbv bench_xgetbv
#define AVXCapable BenchAvxCapable
#define AVX512Capable BenchAvx512Capable
#define InnerProductSIMD16Ext BenchInnerProductSIMD16Ext
#define InnerProductSIMD4Ext BenchInnerProductSIMD4Ext
#define InnerProductDistanceSIMD16Ext BenchInnerProductDistanceSIMD16Ext
#define InnerProductDistanceSIMD4Ext BenchInnerProductDistanceSIMD4Ext
#define L2SqrSIMD16Ext BenchL2SqrSIMD16Ext
#include <hnswlib/hnswlib.h>

#include "embed/builtin_embedder.h"
#include "index/hnsw_vector_index.h"
#include "index/vector_index_math.h"
#include "index/vector_index_test_util.h"
#include "semantic_corpus.h"

namespace {

using Clock = std::chrono::steady_clock;
using memoryd::Vector;

struct Args {
  size_t n = 20000;
  int dim = 384;
  size_t m = memoryd::HnswOptions().m;
  size_t ef_construction = memoryd::HnswOptions().ef_construction;
  int reps = 3;
  std::string data = "manifold";
  bool raw_only = false;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    size_t eq = a.find('=');
    if (!a.starts_with("--") || eq == std::string_view::npos) return false;
    std::string_view key = a.substr(2, eq - 2);
    if (key == "data") {
      args->data = std::string(a.substr(eq + 1));
      continue;
    }
    unsigned long value = std::stoul(std::string(a.substr(eq + 1)));
    if (key == "n")
      args->n = value;
    else if (key == "dim")
      args->dim = static_cast<int>(value);
    else if (key == "m")
      args->m = value;
    else if (key == "ef_construction")
      args->ef_construction = value;
    else if (key == "reps")
      args->reps = static_cast<int>(value);
    else if (key == "raw_only")
      args->raw_only = value != 0;
    else
      return false;
  }
  return args->n > 0 && args->dim > 0 && args->reps > 0 &&
         (args->data == "manifold" || args->data == "semantic");
}

// Embedding-like unit vectors (see bench/vector_search.cc), fixed seed, or the built-in
// embedder's vectors of the semantic benchmark corpus.
std::vector<Vector> MakeData(const Args& args) {
  if (args.data == "semantic") {
    memoryd::BuiltinEmbedderOptions options;
    options.dimension = args.dim;
    auto embedder = memoryd::BuiltinEmbedder::Create(options).value();
    const memoryd::bench::SemanticCorpus corpus;
    std::vector<std::string> texts;
    for (size_t i = 0; i < args.n; ++i) texts.push_back(corpus.Memory(i));
    return embedder->Embed(texts).value();
  }
  return memoryd::testing::ManifoldGenerator(args.dim, /*latent=*/16, /*seed=*/42)
      .Sample(args.n, 1);
}

// The wrapper's metric (memoryd's run-time-dispatched AVX2 inner product) as an hnswlib space.
class WrapperMetricSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit WrapperMetricSpace(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return memoryd::BestInnerProductDistance(); }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
};

// CPU seconds of the calling thread: on a shared machine it shows the cost without the time
// spent waiting for a core.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Insert rates of one run, in vectors per wall-clock second and per CPU second.
struct Rate {
  double wall = 0;
  double cpu = 0;
};

class RateTimer {
 public:
  RateTimer() : wall_start_(Clock::now()), cpu_start_(ThreadCpuSeconds()) {}
  Rate Finish(size_t n) const {
    const double wall = std::chrono::duration<double>(Clock::now() - wall_start_).count();
    return {n / wall, n / (ThreadCpuSeconds() - cpu_start_)};
  }

 private:
  Clock::time_point wall_start_;
  double cpu_start_;
};

Rate RawRate(const Args& args, const std::vector<Vector>& data,
             hnswlib::SpaceInterface<float>* space) {
  hnswlib::HierarchicalNSW<float> graph(space, data.size(), args.m, args.ef_construction,
                                        memoryd::HnswOptions().random_seed);
  RateTimer timer;
  for (size_t i = 0; i < data.size(); ++i) graph.addPoint(data[i].data(), i);
  return timer.Finish(data.size());
}

Rate WrapperRate(const Args& args, const std::vector<Vector>& data) {
  memoryd::HnswOptions options;
  options.m = args.m;
  options.ef_construction = args.ef_construction;
  auto index = memoryd::HnswVectorIndex::Create(args.dim, options).value();
  RateTimer timer;
  for (size_t i = 0; i < data.size(); ++i) {
    if (!index->Add(i, data[i]).ok()) {
      std::fprintf(stderr, "Add failed\n");
      std::exit(1);
    }
  }
  return timer.Finish(data.size());
}

// Median of the wall and CPU rates, each taken on its own.
Rate Median(std::vector<Rate> v) {
  Rate m;
  std::sort(v.begin(), v.end(), [](const Rate& a, const Rate& b) { return a.wall < b.wall; });
  m.wall = v[v.size() / 2].wall;
  std::sort(v.begin(), v.end(), [](const Rate& a, const Rate& b) { return a.cpu < b.cpu; });
  m.cpu = v[v.size() / 2].cpu;
  return m;
}

void PrintRates(const char* what, const Rate& raw, const Rate& wrapped, const Rate& raw_ip) {
  std::printf(
      "%s: raw hnswlib %.0f vectors/s (cpu %.0f), HnswVectorIndex::Add %.0f vectors/s (cpu %.0f), "
      "raw hnswlib with its InnerProductSpace %.0f vectors/s (cpu %.0f)\n",
      what, raw.wall, raw.cpu, wrapped.wall, wrapped.cpu, raw_ip.wall, raw_ip.cpu);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr, "usage: see the comment at the top of bench/hnsw_ingest.cc\n");
    return 2;
  }
  std::vector<Vector> data = MakeData(args);
  std::printf("n=%zu dim=%d m=%zu ef_construction=%zu data=%s\n", args.n, args.dim, args.m,
              args.ef_construction, args.data.c_str());
  hnswlib::InnerProductSpace hnswlib_space(args.dim);
  WrapperMetricSpace wrapper_space(args.dim);
  std::vector<Rate> raw, raw_ip, wrapped;
  for (int rep = 0; rep < args.reps; ++rep) {
    if (args.raw_only) {
      raw.push_back(RawRate(args, data, &wrapper_space));
      wrapped.push_back(raw.back());  // not measured
      raw_ip.push_back(raw.back());   // not measured
      std::printf("rep %d: raw hnswlib %.0f vectors/s (cpu %.0f)\n", rep, raw.back().wall,
                  raw.back().cpu);
      std::fflush(stdout);
      continue;
    }
    // Alternate the order so drift in machine load hits both sides alike.
    if (rep % 2 == 0) {
      raw.push_back(RawRate(args, data, &wrapper_space));
      wrapped.push_back(WrapperRate(args, data));
    } else {
      wrapped.push_back(WrapperRate(args, data));
      raw.push_back(RawRate(args, data, &wrapper_space));
    }
    raw_ip.push_back(RawRate(args, data, &hnswlib_space));
    PrintRates(("rep " + std::to_string(rep)).c_str(), raw.back(), wrapped.back(), raw_ip.back());
    std::fflush(stdout);
  }
  const Rate raw_median = Median(raw), wrapped_median = Median(wrapped);
  std::printf("RAW_HNSWLIB_VECTORS_PER_SEC=%.0f\n", raw_median.wall);
  std::printf("RAW_HNSWLIB_VECTORS_PER_CPU_SEC=%.0f\n", raw_median.cpu);
  if (args.raw_only) return 0;
  PrintRates("median", raw_median, wrapped_median, Median(raw_ip));
  std::printf("wrapper / raw: %.1f%% (wall), %.1f%% (cpu)\n",
              100.0 * wrapped_median.wall / raw_median.wall,
              100.0 * wrapped_median.cpu / raw_median.cpu);
  std::printf("WRAPPER_VECTORS_PER_SEC=%.0f\n", wrapped_median.wall);
  std::printf("WRAPPER_VECTORS_PER_CPU_SEC=%.0f\n", wrapped_median.cpu);
  return 0;
}
