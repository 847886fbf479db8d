// Helpers for the vector index unit tests only (included by *_test.cc files, never by the
// library): a unique temporary directory per test and seeded random vectors.
//
// Thread-safety: none needed; each test owns its objects.
#pragma once

#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "embed/embedder.h"

namespace memoryd::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "memoryd_index_test_XXXXXX");
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScopedTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A uniformly random unit vector.
inline Vector RandomUnitVector(int dim, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Vector v(dim);
  double norm2 = 0;
  for (float& x : v) {
    x = normal(rng);
    norm2 += static_cast<double>(x) * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm2));
  return v;
}

// `count` unit vectors scattered around `clusters` random centres, the structure text embeddings
// have (members of a cluster have cosine similarity near 0.6). Deterministic for a given seed.
inline std::vector<Vector> ClusteredVectors(size_t count, int dim, int clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Vector> centres;
  for (int c = 0; c < clusters; ++c) centres.push_back(RandomUnitVector(dim, rng));
  std::normal_distribution<float> noise(0.0f, 0.8f / std::sqrt(static_cast<float>(dim)));
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<Vector> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Vector v = centres[pick(rng)];
    double norm2 = 0;
    for (float& x : v) {
      x += noise(rng);
      norm2 += static_cast<double>(x) * x;
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm2));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace memoryd::testing
