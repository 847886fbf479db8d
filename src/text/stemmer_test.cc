#include "text/stemmer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace memoryd::text {
namespace {

TEST(StemmerTest, StemsEnglishWords) {
  auto stemmer = Stemmer::Create("english");
  ASSERT_TRUE(stemmer.ok()) << stemmer.status().ToString();
  EXPECT_EQ((*stemmer)->Stem("painting"), "paint");
  EXPECT_EQ((*stemmer)->Stem("paints"), "paint");
  EXPECT_EQ((*stemmer)->Stem("preferences"), "prefer");
  EXPECT_EQ((*stemmer)->Stem(""), "");
  std::vector<std::string> words = {"running", "dogs", "2023"};
  (*stemmer)->StemAll(&words);
  EXPECT_EQ(words, (std::vector<std::string>{"run", "dog", "2023"}));
}

TEST(StemmerTest, UnknownLanguageIsInvalidArgument) {
  auto stemmer = Stemmer::Create("klingon");
  ASSERT_FALSE(stemmer.ok());
  EXPECT_EQ(stemmer.status().code(), StatusCode::kInvalidArgument);
}

TEST(StemmerTest, SnowballStemmerIsMovable) {
  auto made = SnowballStemmer::Create("porter");
  ASSERT_TRUE(made.ok());
  SnowballStemmer moved = std::move(made).value();
  EXPECT_EQ(moved.Stem("connections"), "connect");
}

TEST(StemmerTest, ConcurrentUseGivesTheSameStems) {
  auto stemmer = Stemmer::Create("english");
  ASSERT_TRUE(stemmer.ok());
  const Stemmer& shared = **stemmer;
  const std::vector<std::string> words = {"walking", "houses", "happily", "generalization"};
  std::vector<std::string> expected;
  expected.reserve(words.size());
  for (const std::string& word : words) expected.push_back(shared.Stem(word));
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 500; ++round) {
        for (size_t i = 0; i < words.size(); ++i) {
          if (shared.Stem(words[i]) != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const int count : mismatches) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace memoryd::text
