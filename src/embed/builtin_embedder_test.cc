#include "embed/builtin_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace memoryd {
namespace {

float Dot(const Vector& a, const Vector& b) {
  float dot = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i];
  return dot;
}

std::unique_ptr<BuiltinEmbedder> Make(BuiltinEmbedderOptions options = {}) {
  auto embedder = BuiltinEmbedder::Create(options);
  EXPECT_TRUE(embedder.ok()) << embedder.status().ToString();
  return std::move(embedder).value();
}

TEST(BuiltinEmbedderTest, VectorsHaveTheDimensionAndUnitLength) {
  auto embedder = Make();
  const std::vector<std::string> texts = {
      "User prefers dark mode", "", "!!!", "the and of", std::string(100000, 'x'),
      std::string("a\0b", 3)};
  auto vectors = embedder->Embed(texts);
  ASSERT_TRUE(vectors.ok());
  ASSERT_EQ(vectors->size(), texts.size());
  for (const Vector& v : *vectors) {
    ASSERT_EQ(static_cast<int>(v.size()), embedder->Dimension());
    EXPECT_NEAR(Dot(v, v), 1.0f, 1e-4f);
    for (const float x : v) EXPECT_TRUE(std::isfinite(x));
  }
}

TEST(BuiltinEmbedderTest, DeterministicAcrossInstances) {
  auto first = Make();
  auto second = Make();
  const std::string text = "Melanie painted a sunrise over the lake";
  EXPECT_EQ(first->EmbedOne(text), second->EmbedOne(text));
  EXPECT_EQ(first->Name(), second->Name());
  EXPECT_FLOAT_EQ(Dot(first->EmbedOne(""), second->EmbedOne("  ")), 1.0f);
}

TEST(BuiltinEmbedderTest, SimilarTextsScoreHigherThanUnrelatedOnes) {
  auto embedder = Make();
  const Vector query = embedder->EmbedOne("What are the user's editor preferences?");
  const Vector related =
      embedder->EmbedOne("User prefers dark mode and Vim keybindings in editors.");
  const Vector unrelated = embedder->EmbedOne("Deploy pipeline uses GitHub Actions");
  EXPECT_GT(Dot(query, related), Dot(query, unrelated) + 0.2f);
  EXPECT_LT(std::fabs(Dot(query, unrelated)), 0.15f);

  // Morphology and typos still overlap through character features.
  const Vector photo = embedder->EmbedOne("photography");
  EXPECT_GT(Dot(embedder->EmbedOne("photos"), photo), Dot(embedder->EmbedOne("budget"), photo));
  EXPECT_GT(Dot(embedder->EmbedOne("recieve the package"), embedder->EmbedOne("receive package")),
            0.5f);
  // WordNet concepts link words that share no letters.
  EXPECT_GT(Dot(embedder->EmbedOne("my dad"), embedder->EmbedOne("my father")),
            Dot(embedder->EmbedOne("my dad"), embedder->EmbedOne("the budget")) + 0.1f);
}

TEST(BuiltinEmbedderTest, ExactDuplicateIsOne) {
  auto embedder = Make();
  const std::string text = "Customer reported login failures on Safari 17.";
  EXPECT_NEAR(Dot(embedder->EmbedOne(text), embedder->EmbedOne(text)), 1.0f, 1e-5f);
}

TEST(BuiltinEmbedderTest, RejectsBadOptionsAndNamesSettings) {
  BuiltinEmbedderOptions tiny;
  tiny.dimension = 4;
  EXPECT_EQ(BuiltinEmbedder::Create(tiny).status().code(), StatusCode::kInvalidArgument);
  BuiltinEmbedderOptions negative;
  negative.char_weight = -1;
  EXPECT_FALSE(BuiltinEmbedder::Create(negative).ok());
  BuiltinEmbedderOptions phrases_only;
  phrases_only.word_weight = phrases_only.char_weight = 0;
  EXPECT_FALSE(BuiltinEmbedder::Create(phrases_only).ok());
  BuiltinEmbedderOptions wide;
  wide.dimension = 512;
  EXPECT_NE(Make(wide)->Name(), Make()->Name());
  EXPECT_EQ(Make(wide)->Dimension(), 512);
}

TEST(BuiltinEmbedderTest, ConcurrentEmbeddingIsConsistent) {
  auto embedder = Make();
  const Vector expected = embedder->EmbedOne("walking the dogs by the river");
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (embedder->EmbedOne("walking the dogs by the river") != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const int count : mismatches) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace memoryd
