// Persistence of both vector indexes through the index file container: round trips, and clean
// errors (never a crash) on missing, corrupt, truncated or mismatched files.
#include "index/index_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "index/brute_force_vector_index.h"
#include "index/hnsw_vector_index.h"
#include "index/vector_index_test_util.h"

namespace memoryd {
namespace {

using testing::ClusteredGenerator;
using testing::ScopedTempDir;

constexpr int kDim = 16;
constexpr char kEmbedder[] = "builtin:test-v1";

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// An HNSW index over 600 vectors with labels 0..599, of which every 5th has been removed.
std::unique_ptr<HnswVectorIndex> BuildHnsw(const std::vector<Vector>& data) {
  auto index = HnswVectorIndex::Create(kDim).value();
  for (size_t i = 0; i < data.size(); ++i) EXPECT_TRUE(index->Add(i, data[i]).ok());
  for (size_t i = 0; i < data.size(); i += 5) EXPECT_TRUE(index->Remove(i).ok());
  return index;
}

void ExpectSameResults(const VectorIndex& a, const VectorIndex& b, const std::vector<Vector>& qs) {
  ASSERT_EQ(a.Size(), b.Size());
  for (const Vector& q : qs) {
    auto ha = a.Search(q, 10), hb = b.Search(q, 10);
    ASSERT_TRUE(ha.ok() && hb.ok());
    ASSERT_EQ(ha->size(), hb->size());
    for (size_t i = 0; i < ha->size(); ++i) {
      EXPECT_EQ((*ha)[i].label, (*hb)[i].label);
      EXPECT_FLOAT_EQ((*ha)[i].similarity, (*hb)[i].similarity);
    }
  }
}

class IndexFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    data_ = ClusteredGenerator(kDim, 20, 11).Sample(600, 111);
  }
  ScopedTempDir dir_;
  std::vector<Vector> data_;
};

TEST_F(IndexFileTest, HnswRoundTrip) {
  auto index = BuildHnsw(data_);
  const std::string path = dir_.File("space.hnsw");
  ASSERT_TRUE(index->Save(path, kEmbedder).ok());
  auto loaded = HnswVectorIndex::Load(path, kEmbedder, kDim);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameResults(*index, **loaded, data_);
  EXPECT_FALSE((*loaded)->Contains(0));
  EXPECT_TRUE((*loaded)->Contains(1));
  // Removed slots survive the trip and are reused; re-adding works.
  ASSERT_TRUE((*loaded)->Add(0, data_[0]).ok());
  ASSERT_TRUE((*loaded)->Add(5000, data_[5]).ok());
  EXPECT_EQ((*loaded)->Size(), index->Size() + 2);
  EXPECT_EQ((*(*loaded)->Search(data_[0], 1))[0].label, 0u);
  auto generic = LoadVectorIndex(path, kEmbedder, 0);
  ASSERT_TRUE(generic.ok()) << generic.status().ToString();
  ExpectSameResults(*index, **generic, data_);
  // Nothing but the index file is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 1);
}

TEST_F(IndexFileTest, BruteForceRoundTripAndEmptyIndexes) {
  BruteForceVectorIndex index(kDim);
  for (size_t i = 0; i < data_.size(); ++i) ASSERT_TRUE(index.Add(i * 3, data_[i]).ok());
  ASSERT_TRUE(index.Save(dir_.File("bf"), kEmbedder).ok());
  auto loaded = BruteForceVectorIndex::Load(dir_.File("bf"), kEmbedder, kDim);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameResults(index, **loaded, data_);
  auto generic = LoadVectorIndex(dir_.File("bf"), kEmbedder, kDim);
  ASSERT_TRUE(generic.ok());
  ExpectSameResults(index, **generic, data_);

  ASSERT_TRUE(BruteForceVectorIndex(kDim).Save(dir_.File("bf0"), kEmbedder).ok());
  ASSERT_TRUE(HnswVectorIndex::Create(kDim).value()->Save(dir_.File("h0"), kEmbedder).ok());
  EXPECT_EQ(LoadVectorIndex(dir_.File("bf0"), kEmbedder, kDim).value()->Size(), 0u);
  auto empty_hnsw = LoadVectorIndex(dir_.File("h0"), kEmbedder, kDim);
  ASSERT_TRUE(empty_hnsw.ok()) << empty_hnsw.status().ToString();
  EXPECT_TRUE((*empty_hnsw)->Add(1, data_[0]).ok());
  EXPECT_EQ((*(*empty_hnsw)->Search(data_[0], 1))[0].label, 1u);
}

TEST_F(IndexFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadVectorIndex(dir_.File("absent"), kEmbedder, kDim).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(HnswVectorIndex::Load(dir_.File("absent"), kEmbedder, kDim).status().code(),
            StatusCode::kNotFound);
}

TEST_F(IndexFileTest, MismatchesAreConflicts) {
  const std::string path = dir_.File("idx");
  ASSERT_TRUE(BuildHnsw(data_)->Save(path, kEmbedder).ok());
  EXPECT_EQ(LoadVectorIndex(path, "openai:other", kDim).status().code(), StatusCode::kConflict);
  EXPECT_EQ(LoadVectorIndex(path, kEmbedder, kDim + 1).status().code(), StatusCode::kConflict);
  EXPECT_EQ(BruteForceVectorIndex::Load(path, kEmbedder, kDim).status().code(),
            StatusCode::kConflict);
}

TEST_F(IndexFileTest, EveryFlippedByteIsDetected) {
  const std::string path = dir_.File("idx");
  ASSERT_TRUE(BuildHnsw(data_)->Save(path, kEmbedder).ok());
  const std::string good = ReadBytes(path);
  std::mt19937_64 rng(12);
  std::vector<size_t> positions = {0,
                                   8,
                                   12,
                                   16,
                                   20,
                                   24,
                                   32,
                                   good.size() / 2,
                                   good.size() - 40,
                                   good.size() - 33,
                                   good.size() - 1};
  for (int i = 0; i < 40; ++i) positions.push_back(rng() % good.size());
  for (size_t pos : positions) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    WriteBytes(path, bad);
    auto loaded = LoadVectorIndex(path, kEmbedder, kDim);
    EXPECT_EQ(loaded.status().code(), StatusCode::kInternal) << "flipped byte " << pos;
  }
}

TEST_F(IndexFileTest, TruncatedFilesFailCleanly) {
  const std::string path = dir_.File("idx");
  ASSERT_TRUE(BuildHnsw(data_)->Save(path, kEmbedder).ok());
  const std::string good = ReadBytes(path);
  for (size_t len : {size_t{0}, size_t{7}, size_t{31}, size_t{60}, good.size() / 3,
                     good.size() - 32, good.size() - 1}) {
    WriteBytes(path, good.substr(0, len));
    EXPECT_EQ(LoadVectorIndex(path, kEmbedder, kDim).status().code(), StatusCode::kInternal)
        << "length " << len;
  }
  WriteBytes(path, good + "x");
  EXPECT_EQ(LoadVectorIndex(path, kEmbedder, kDim).status().code(), StatusCode::kInternal);
}

// Payloads with a valid checksum but inconsistent content (as a buggy writer could produce)
// must be rejected by the parsers, not crash them.
TEST_F(IndexFileTest, InconsistentPayloadsWithValidChecksumFailCleanly) {
  const std::string good_path = dir_.File("good");
  ASSERT_TRUE(BuildHnsw(data_)->Save(good_path, kEmbedder).ok());
  auto reader = IndexFileReader::Open(good_path).value();
  std::string payload(reader->remaining(), '\0');
  ASSERT_TRUE(reader->Read(payload.data(), payload.size()).ok());
  std::mt19937_64 rng(13);
  const std::string path = dir_.File("bad");
  for (int round = 0; round < 60; ++round) {
    std::string bad = payload.substr(0, rng() % payload.size());
    if (round % 2 == 0) {
      bad = payload;
      for (int flips = 0; flips < 4; ++flips) bad[rng() % bad.size()] ^= 0x40;
    }
    for (IndexKind kind : {IndexKind::kHnsw, IndexKind::kBruteForce}) {
      IndexFileHeader header{kind, kDim, reader->header().count, kEmbedder};
      auto writer = IndexFileWriter::Create(path, header).value();
      ASSERT_TRUE(writer->Append(bad.data(), bad.size()).ok());
      ASSERT_TRUE(writer->Commit().ok());
      auto loaded = LoadVectorIndex(path, kEmbedder, kDim);
      if (loaded.ok()) {  // a flip that lands in vector data leaves a usable index
        EXPECT_TRUE((*loaded)->Search(data_[0], 10).ok());
      } else {
        EXPECT_EQ(loaded.status().code(), StatusCode::kInternal);
      }
    }
  }
}

TEST_F(IndexFileTest, SaveIntoMissingDirectoryFailsAndLeavesNothing) {
  auto index = BuildHnsw(data_);
  EXPECT_EQ(index->Save(dir_.File("no/such/dir/idx"), kEmbedder).code(), StatusCode::kInternal);
  const std::string path = dir_.File("idx");
  ASSERT_TRUE(index->Save(path, kEmbedder).ok());
  ASSERT_TRUE(index->Save(path, kEmbedder).ok());  // overwrite in place
  {
    auto abandoned = IndexFileWriter::Create(dir_.File("other"), {}).value();
    ASSERT_TRUE(abandoned->Append("abc", 3).ok());
  }  // never committed: its temporary file is removed
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 1);
  EXPECT_TRUE(LoadVectorIndex(path, kEmbedder, kDim).ok());
}

}  // namespace
}  // namespace memoryd
