// Helpers for the vector index unit tests and benchmarks (never included by the library): a
// unique temporary directory per test and seeded random vector generators.
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

inline void NormalizeInPlace(Vector* v) {
  double norm2 = 0;
  for (float x : *v) norm2 += static_cast<double>(x) * x;
  for (float& x : *v) x = static_cast<float>(x / std::sqrt(norm2));
}

// Unit vectors scattered around `clusters` random centres: members of one cluster have cosine
// similarity near 1 / (1 + 0.8^2) = 0.6. Data and queries drawn from one generator share the
// centres.
class ClusteredGenerator {
 public:
  ClusteredGenerator(int dim, int clusters, uint64_t seed) : dim_(dim) {
    std::mt19937_64 rng(seed);
    for (int c = 0; c < clusters; ++c) centres_.push_back(RandomUnitVector(dim, rng));
  }
  std::vector<Vector> Sample(size_t count, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> noise(0.0f, 0.8f / std::sqrt(static_cast<float>(dim_)));
    std::uniform_int_distribution<size_t> pick(0, centres_.size() - 1);
    std::vector<Vector> out(count);
    for (Vector& v : out) {
      v = centres_[pick(rng)];
      for (float& x : v) x += noise(rng);
      NormalizeInPlace(&v);
    }
    return out;
  }

 private:
  int dim_;
  std::vector<Vector> centres_;
};

// Unit vectors near a random `latent`-dimensional subspace (x = A z + noise), the low intrinsic
// dimension that text embeddings show: nearest neighbours have cosine similarity around 0.8.
class ManifoldGenerator {
 public:
  ManifoldGenerator(int dim, int latent, uint64_t seed) : dim_(dim), latent_(latent) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f / std::sqrt(static_cast<float>(latent)));
    basis_.resize(static_cast<size_t>(dim) * latent);
    for (float& a : basis_) a = normal(rng);
  }
  std::vector<Vector> Sample(size_t count, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const float noise_sigma = 0.5f / std::sqrt(static_cast<float>(dim_));
    std::vector<Vector> out(count, Vector(dim_));
    std::vector<float> z(latent_);
    for (Vector& v : out) {
      for (float& x : z) x = normal(rng);
      for (int d = 0; d < dim_; ++d) {
        float sum = 0;
        for (int k = 0; k < latent_; ++k)
          sum += basis_[static_cast<size_t>(d) * latent_ + k] * z[k];
        v[d] = sum + noise_sigma * normal(rng);
      }
      NormalizeInPlace(&v);
    }
    return out;
  }

 private:
  int dim_;
  int latent_;
  std::vector<float> basis_;
};

}  // namespace memoryd::testing
