// Bm25Index persistence: a loaded index answers exactly as the one that was saved, keeps working
// as an index, and a damaged payload is rejected without a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "index/keyword_index.h"
#include "index/vector_index_test_util.h"

namespace memoryd {
namespace {

using testing::ScopedTempDir;

std::shared_ptr<const text::TextAnalyzer> Analyzer() {
  auto analyzer = text::TextAnalyzer::Create();
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  return *analyzer;
}

const std::vector<std::string> kWords = {
    "painting", "lake",  "sunrise", "children", "adoption", "guitar", "concert", "camping",
    "pottery",  "dog",   "cat",     "running",  "marathon", "recipe", "garden",  "tomatoes",
    "job",      "promo", "Paris",   "flight",   "hotel",    "beach",  "book",    "library"};

// A conversation-like corpus: each turn shares words with the one before it, so neighbour
// context is active, and the vocabulary is small enough for feedback to find related words.
std::string Turn(size_t i, std::mt19937_64& rng) {
  std::string text = "Turn " + std::to_string(i) + ":";
  const size_t topic = (i / 4) % kWords.size();
  text += " " + kWords[topic] + " " + kWords[(topic + 1) % kWords.size()];
  for (int w = 0; w < 4; ++w) text += " " + kWords[rng() % kWords.size()];
  return text + (i % 7 == 0 ? " my son loves it" : " yesterday");
}

const std::vector<std::string> kQueries = {
    "painting by the lake",   "When did she go camping?", "children",
    "marathon running shoes", "Paris flight hotel",       "What did he cook from the recipe?",
    "unrelated quantum words"};

void ExpectSameAnswers(const Bm25Index& a, const Bm25Index& b) {
  ASSERT_EQ(a.Size(), b.Size());
  EXPECT_EQ(a.ContextStrength(), b.ContextStrength());
  for (const std::string& query : kQueries) {
    const auto x = a.Search(query, 25, nullptr);
    const auto y = b.Search(query, 25, nullptr);
    ASSERT_EQ(x.size(), y.size()) << query;
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].label, y[i].label) << query << " #" << i;
      EXPECT_EQ(x[i].score, y[i].score) << query << " #" << i;
      EXPECT_EQ(x[i].relative, y[i].relative) << query << " #" << i;
    }
  }
}

class KeywordIndexFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  // Saves `index` into a file and loads it back.
  Result<std::unique_ptr<Bm25Index>> RoundTrip(const Bm25Index& index) {
    PayloadBuffer payload;
    index.SaveTo(&payload);
    return LoadPayload(payload);
  }
  Result<std::unique_ptr<Bm25Index>> LoadPayload(const PayloadBuffer& payload) {
    IndexFileHeader header;
    header.kind = IndexKind::kKeyword;
    const std::string path = dir_.File("keyword");
    MEMORYD_RETURN_IF_ERROR(WriteIndexFile(path, header, payload));
    MEMORYD_ASSIGN_OR_RETURN(auto reader, IndexFileReader::Open(path));
    return Bm25Index::LoadFrom(reader.get(), analyzer_);
  }

  ScopedTempDir dir_;
  std::shared_ptr<const text::TextAnalyzer> analyzer_ = Analyzer();
};

TEST_F(KeywordIndexFileTest, LoadedIndexAnswersExactlyAsTheSavedOne) {
  Bm25Index index(analyzer_);
  std::mt19937_64 rng(7);
  for (size_t i = 0; i < 900; ++i) ASSERT_TRUE(index.Add(i * 3 + 10, Turn(i, rng)).ok());
  // Removals and replacements leave dead slots and out-of-order labels behind.
  for (size_t i = 0; i < 900; i += 5) ASSERT_TRUE(index.Remove(i * 3 + 10).ok());
  for (size_t i = 1; i < 900; i += 11) ASSERT_TRUE(index.Add(i * 3 + 10, Turn(i + 1, rng)).ok());
  ASSERT_GT(index.ContextStrength(), 0.0f);

  auto loaded = RoundTrip(index);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameAnswers(index, **loaded);

  // Both go on as indexes: the same changes keep them answering alike.
  for (size_t i = 2; i < 900; i += 3) {
    ASSERT_EQ(index.Remove(i * 3 + 10).ok(), (*loaded)->Remove(i * 3 + 10).ok());
  }
  for (size_t i = 900; i < 960; ++i) {
    const std::string text = Turn(i, rng);
    ASSERT_TRUE(index.Add(i * 3 + 10, text).ok());
    ASSERT_TRUE((*loaded)->Add(i * 3 + 10, text).ok());
  }
  ExpectSameAnswers(index, **loaded);
}

// Past 20,000 terms and 200,000 postings the dictionary is built beside the documents and the
// postings are laid out on two threads: the answers are still exactly those of the saved index,
// and a duplicate term is still caught.
TEST_F(KeywordIndexFileTest, LargeIndexLoadedOnTwoThreadsAnswersExactly) {
  Bm25Index index(analyzer_);
  std::mt19937_64 rng(17);
  for (size_t i = 0; i < 7500; ++i) {
    // Three words of its own per memory: more than 20,000 distinct terms in all.
    const std::string own =
        " qa" + std::to_string(i) + "x qb" + std::to_string(i) + "y qc" + std::to_string(i) + "z";
    ASSERT_TRUE(index.Add(i + 1, Turn(i, rng) + own).ok());
  }
  for (size_t i = 0; i < 7500; i += 9) ASSERT_TRUE(index.Remove(i + 1).ok());
  PayloadBuffer payload;
  index.SaveTo(&payload);
  auto loaded = LoadPayload(payload);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameAnswers(index, **loaded);
  for (const std::string query : {"qa17x", "qb4000y qc7499z", "qa9x painting"}) {
    const auto x = index.Search(query, 10, nullptr);
    const auto y = (*loaded)->Search(query, 10, nullptr);
    ASSERT_EQ(x.size(), y.size()) << query;
    ASSERT_FALSE(x.empty()) << query;
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].label, y[i].label) << query;
  }
  // Rename one term to another's spelling (same length): the dictionary refuses the duplicate.
  std::vector<char> bytes = payload.bytes();
  const std::string from = "qa1001x";
  const std::string to = "qa1002x";
  auto at = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
  ASSERT_NE(at, bytes.end());
  std::copy(to.begin(), to.end(), at);
  PayloadBuffer damaged;
  damaged.Append(bytes.data(), bytes.size());
  EXPECT_EQ(LoadPayload(damaged).status().code(), StatusCode::kInternal);
}

// Compaction rebuilds the documents' term pool: the survivors keep their own terms (each is
// still found by its own word, and feedback still reads them), and the compacted index saves and
// loads as an exact replica.
TEST_F(KeywordIndexFileTest, CompactedIndexKeepsItsDocumentsTerms) {
  Bm25Index index(analyzer_);
  std::mt19937_64 rng(23);
  const auto text = [&](size_t i) { return Turn(i, rng) + " own" + std::to_string(i) + "word"; };
  for (size_t i = 0; i < 2000; ++i) ASSERT_TRUE(index.Add(i + 1, text(i)).ok());
  for (size_t i = 0; i < 2000; ++i) {
    if (i % 4 != 0) {
      ASSERT_TRUE(index.Remove(i + 1).ok());  // 1,500 dead: compacts
    }
  }
  for (size_t i = 2000; i < 2300; ++i) ASSERT_TRUE(index.Add(i + 1, text(i)).ok());
  for (size_t i = 0; i < 2300; i += 40) ASSERT_TRUE(index.Add(i + 1, text(i)).ok());  // rewrites
  for (size_t i = 0; i < 2300; ++i) {
    if (i < 2000 && i % 4 != 0 && i % 40 != 0) continue;
    const auto hits = index.Search("own" + std::to_string(i) + "word", 1, nullptr);
    ASSERT_EQ(hits.size(), 1u) << i;
    EXPECT_EQ(hits[0].label, i + 1);
  }
  auto loaded = RoundTrip(index);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameAnswers(index, **loaded);
}

TEST_F(KeywordIndexFileTest, EmptyIndexRoundTrips) {
  Bm25Index index(analyzer_);
  auto loaded = RoundTrip(index);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->Size(), 0u);
  EXPECT_TRUE((*loaded)->Search("anything", 10, nullptr).empty());
  ASSERT_TRUE((*loaded)->Add(1, "a first memory about pottery").ok());
  EXPECT_EQ((*loaded)->Search("pottery", 10, nullptr).size(), 1u);
}

// A payload with a valid checksum but cut short or altered (as a buggy writer could produce) is
// rejected with kInternal, never a crash or a huge allocation.
TEST_F(KeywordIndexFileTest, DamagedPayloadsAreRejected) {
  Bm25Index index(analyzer_);
  std::mt19937_64 rng(9);
  for (size_t i = 0; i < 60; ++i) ASSERT_TRUE(index.Add(i, Turn(i, rng)).ok());
  PayloadBuffer good;
  index.SaveTo(&good);
  const std::vector<char>& bytes = good.bytes();
  for (size_t cut : {size_t{0}, size_t{3}, size_t{4}, size_t{12}, bytes.size() / 2,
                     bytes.size() - 9, bytes.size() - 1}) {
    PayloadBuffer bad;
    bad.Append(bytes.data(), cut);
    EXPECT_EQ(LoadPayload(bad).status().code(), StatusCode::kInternal) << "cut at " << cut;
  }
  {
    PayloadBuffer longer = good;
    longer.AppendPod(uint8_t{0});
    EXPECT_EQ(LoadPayload(longer).status().code(), StatusCode::kInternal);
  }
  // Counts that claim more than the file holds: the term count (offset 4) and a huge term length.
  for (size_t offset : {size_t{4}, size_t{12}}) {
    std::vector<char> damaged = bytes;
    for (size_t i = 0; i < 4; ++i) damaged[offset + i] = static_cast<char>(0xff);
    PayloadBuffer bad;
    bad.Append(damaged.data(), damaged.size());
    EXPECT_EQ(LoadPayload(bad).status().code(), StatusCode::kInternal) << "offset " << offset;
  }
  for (int round = 0; round < 200; ++round) {
    std::vector<char> damaged = bytes;
    damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
    PayloadBuffer bad;
    bad.Append(damaged.data(), damaged.size());
    auto loaded = LoadPayload(bad);  // may load (a changed tf or letter is still consistent)
    if (loaded.ok()) (void)(*loaded)->Search("painting lake", 10, nullptr);
  }
}

}  // namespace
}  // namespace memoryd
