#include "index/vector_index_math.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "index/vector_index_test_util.h"

namespace memoryd {
namespace {

std::vector<char> Code(const Vector& v) {
  std::vector<char> code(QuantizedSize(v.size()));
  Quantize(v.data(), v.size(), code.data());
  return code;
}

// The code distance tracks the exact one closely for every dimension, including those that are
// not a multiple of the SIMD width (the tails take the portable path).
TEST(QuantizedDistanceTest, ApproximatesTheExactInnerProduct) {
  const InnerProductDistanceFn distance = BestQuantizedDistance();
  std::mt19937_64 rng(3);
  for (size_t dim : {1u, 7u, 16u, 31u, 32u, 33u, 100u, 384u, 1536u}) {
    for (int round = 0; round < 50; ++round) {
      const Vector a = testing::RandomUnitVector(static_cast<int>(dim), rng);
      const Vector b = round % 5 == 0 ? a : testing::RandomUnitVector(static_cast<int>(dim), rng);
      const float exact = InnerProduct(a.data(), b.data(), dim);
      const float approx = 1.0f - distance(Code(a).data(), Code(b).data(), &dim);
      EXPECT_NEAR(approx, exact, 0.01f) << "dim " << dim;
      if (dim >= 100) {
        EXPECT_NEAR(approx, exact, 3e-3f) << "dim " << dim;
      }
    }
  }
}

TEST(QuantizedDistanceTest, ExtremeComponentsAreRepresented) {
  const size_t dim = 40;
  Vector spike(dim, 0.0f);
  spike[3] = 1.0f;  // one component carries the whole norm
  Vector negative(dim, 0.0f);
  negative[3] = -1.0f;
  const InnerProductDistanceFn distance = BestQuantizedDistance();
  EXPECT_NEAR(distance(Code(spike).data(), Code(spike).data(), &dim), 0.0f, 1e-4f);
  EXPECT_NEAR(distance(Code(spike).data(), Code(negative).data(), &dim), 2.0f, 1e-4f);
  Vector zeros(dim, 0.0f);  // not a unit vector, but must not divide by zero
  EXPECT_NEAR(distance(Code(zeros).data(), Code(spike).data(), &dim), 1.0f, 1e-6f);
}

}  // namespace
}  // namespace memoryd
