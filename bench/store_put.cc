// bench_store_put: the store's insert path alone, without HTTP, embedding or indexing.
//
// Usage: bench_store_put [--n=20000] [--threads=64] [--full_sync=1] [--embedding_dim=384]
//                        [--reps=3] [--dir=PATH] [--database=URL]
// With --database (a PostgreSQL URL), each repetition writes into a new database made on that
// server (and dropped after); without it, into a new SQLite database under --dir.
// Inserts --n new keyed memories (the HTTP benchmark's value and tag) into one space from
// --threads threads, so the store's group commit batches them as it does under load. Prints,
// per repetition, inserts per wall-clock second and the process's CPU microseconds per insert,
// then the medians. CPU per insert is what to compare on a busy machine; under valgrind
// (--tool=callgrind, --threads=1) the instruction count per insert is exact and repeatable.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/pg_connection.h"
#include "store/sql_store.h"

namespace {

struct Args {
  int n = 20000;
  int threads = 64;
  bool full_sync = true;
  int embedding_dim = 384;
  int reps = 3;
  std::string dir;
  std::string database;
};

bool ParseInt(std::string_view arg, std::string_view name, int* out) {
  const std::string prefix = "--" + std::string(name) + "=";
  if (!arg.starts_with(prefix)) return false;
  *out = std::atoi(std::string(arg.substr(prefix.size())).c_str());
  return true;
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    int flag = 0;
    if (ParseInt(arg, "n", &a.n) || ParseInt(arg, "threads", &a.threads) ||
        ParseInt(arg, "embedding_dim", &a.embedding_dim) || ParseInt(arg, "reps", &a.reps)) {
      continue;
    }
    if (ParseInt(arg, "full_sync", &flag)) {
      a.full_sync = flag != 0;
    } else if (arg.starts_with("--dir=")) {
      a.dir = std::string(arg.substr(6));
    } else if (arg.starts_with("--database=")) {
      a.database = std::string(arg.substr(11));
    } else {
      std::fprintf(stderr, "bench_store_put: unknown argument %s\n", argv[i]);
      std::exit(1);
    }
  }
  if (a.n <= 0 || a.threads <= 0 || a.reps <= 0 || a.embedding_dim < 0) {
    std::fprintf(stderr, "bench_store_put: --n, --threads and --reps must be positive\n");
    std::exit(1);
  }
  return a;
}

double ProcessCpuMicros() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec); };
  return micros(u.ru_utime) + micros(u.ru_stime);
}

// Runs `sql` on the server of `url` (for creating and dropping the databases of the runs).
void Admin(const std::string& url, const std::string& sql) {
  auto conn = memoryd::pg::PgConnection::Open(url);
  const memoryd::Status s = conn.ok() ? (*conn)->Exec(sql) : conn.status();
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), s.message().c_str());
    std::exit(1);
  }
}

// `url` naming the database `name` instead of its own (postgresql://user@host/db?params).
std::string WithDatabase(const std::string& url, const std::string& name) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return url + "/" + name;
  const size_t end = url.find('?', slash);
  return url.substr(0, slash + 1) + name + (end == std::string::npos ? "" : url.substr(end));
}

struct Rep {
  double per_sec = 0;
  double cpu_us_per_insert = 0;
};

Rep RunOnce(const Args& a, int rep) {
  const std::string dir =
      (a.dir.empty() ? std::filesystem::temp_directory_path().string() : a.dir) +
      "/bench_store_put." + std::to_string(::getpid()) + "." + std::to_string(rep);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  memoryd::SqlStoreOptions options;
  options.path = dir + "/memoryd.db";
  options.full_sync = a.full_sync;
  const std::string db_name = "bench_put_" + std::to_string(::getpid()) + "_" + std::to_string(rep);
  if (!a.database.empty()) {
    Admin(a.database, "CREATE DATABASE " + db_name);
    options.database_url = WithDatabase(a.database, db_name);
    options.generation_path = dir + "/generation";
  }
  auto store = memoryd::SqlStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().message().c_str());
    std::exit(1);
  }
  const memoryd::SpaceRef space{1, "bench"};
  const memoryd::WriteLimits limits{1000000, 10000};
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = ProcessCpuMicros();
  std::vector<std::thread> workers;
  for (int t = 0; t < a.threads; ++t) {
    workers.emplace_back([&, t] {
      memoryd::MemoryWrite w;
      w.text =
          "Benchmark memory text: the quick brown fox jumps over the lazy dog near the river"
          " bank at dawn.";
      w.tags = {"bench"};
      w.embedding.assign(static_cast<size_t>(a.embedding_dim), 0.05f);
      w.embedder = a.embedding_dim > 0 ? "bench" : "";
      for (int i = t; i < a.n; i += a.threads) {
        w.key = "k" + std::to_string(i);
        auto put = (*store)->Put(space, w, limits, 1700000000000 + i);
        if (!put.ok() || !put->created) {
          std::fprintf(stderr, "put: %s\n",
                       put.ok() ? "not created" : put.status().message().c_str());
          std::exit(1);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = ProcessCpuMicros() - cpu0;
  store->reset();
  std::filesystem::remove_all(dir);
  if (!a.database.empty()) Admin(a.database, "DROP DATABASE " + db_name);
  return {a.n / secs, cpu / a.n};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  std::vector<double> rates;
  std::vector<double> cpus;
  for (int r = 0; r < a.reps; ++r) {
    const Rep rep = RunOnce(a, r);
    std::printf("rep %d: %.0f inserts/s, %.1f CPU us/insert\n", r + 1, rep.per_sec,
                rep.cpu_us_per_insert);
    rates.push_back(rep.per_sec);
    cpus.push_back(rep.cpu_us_per_insert);
  }
  std::printf("MEDIAN inserts/s=%.0f cpu_us_per_insert=%.1f (n=%d threads=%d full_sync=%d)\n",
              Median(rates), Median(cpus), a.n, a.threads, a.full_sync ? 1 : 0);
  return 0;
}
