#include "store/shared_generation.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "store/store_test_util.h"

namespace memoryd {
namespace {

using store_test::TempDir;

TEST(SharedGenerationTest, StartsAtZeroAndCountsBumps) {
  TempDir dir;
  auto gen = SharedGeneration::Open(dir.path() + "/db.generation");
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  EXPECT_EQ((*gen)->Load(), 0u);
  (*gen)->Bump();
  (*gen)->Bump();
  EXPECT_EQ((*gen)->Load(), 2u);
}

TEST(SharedGenerationTest, TwoMappingsOfOneFileSeeEachOthersBumps) {
  TempDir dir;
  const std::string path = dir.path() + "/db.generation";
  auto a = SharedGeneration::Open(path);
  auto b = SharedGeneration::Open(path);
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Bump();
  EXPECT_EQ((*b)->Load(), 1u);
  (*b)->Bump();
  EXPECT_EQ((*a)->Load(), 2u);
}

TEST(SharedGenerationTest, KeepsItsValueAcrossReopening) {
  TempDir dir;
  const std::string path = dir.path() + "/db.generation";
  {
    auto gen = SharedGeneration::Open(path);
    ASSERT_TRUE(gen.ok());
    for (int i = 0; i < 5; ++i) (*gen)->Bump();
  }
  auto again = SharedGeneration::Open(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Load(), 5u);
}

TEST(SharedGenerationTest, ConcurrentBumpsAreNeverLost) {
  TempDir dir;
  const std::string path = dir.path() + "/db.generation";
  auto a = SharedGeneration::Open(path);
  auto b = SharedGeneration::Open(path);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    SharedGeneration* gen = (t % 2 == 0 ? *a : *b).get();
    threads.emplace_back([gen] {
      for (int i = 0; i < 10000; ++i) gen->Bump();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*a)->Load(), 40000u);
}

TEST(SharedGenerationTest, ANewFileTakesTheModeOfTheDatabase) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const int fd = ::open(db.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchmod(fd, 0660), 0);
  ::close(fd);
  auto gen = SharedGeneration::Open(db + ".generation", db);
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat((db + ".generation").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(SharedGenerationTest, AnUnusablePathIsAnError) {
  auto gen = SharedGeneration::Open("/nonexistent-directory/for/sure/db.generation");
  ASSERT_FALSE(gen.ok());
  EXPECT_EQ(gen.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace memoryd
