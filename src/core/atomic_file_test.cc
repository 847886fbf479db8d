// AtomicFile: the path holds the whole file or nothing; an existing path is kept unless asked.
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace memoryd {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/memoryd-atomic-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }
  size_t Entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, ThePathAppearsOnlyOnCommitWholeAndPrivate) {
  const fs::path path = dir_ / "out.jsonl";
  auto file = AtomicFile::Create(path.string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Write("first line\n").ok());
  ASSERT_TRUE((*file)->Write("second line\n").ok());
  EXPECT_FALSE(fs::exists(path)) << "nothing at the path before the commit";
  ASSERT_TRUE((*file)->Commit(false).ok());
  EXPECT_EQ(Read(path), "first line\nsecond line\n");
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  file->reset();
  EXPECT_EQ(Entries(), 1u) << "no temporary file is left";
}

TEST_F(AtomicFileTest, AnExistingPathIsKeptUnlessOverwriteIsAsked) {
  const fs::path path = dir_ / "backup.db";
  std::ofstream(path) << "old";
  auto file = AtomicFile::Create(path.string());
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Write("new").ok());
  EXPECT_EQ((*file)->Commit(false).code(), StatusCode::kConflict);
  EXPECT_EQ(Read(path), "old");
  file->reset();
  EXPECT_EQ(Entries(), 1u) << "the refused temporary file is removed";

  auto again = AtomicFile::Create(path.string());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Write("new").ok());
  ASSERT_TRUE((*again)->Commit(true).ok());
  EXPECT_EQ(Read(path), "new");
}

TEST_F(AtomicFileTest, AnUncommittedFileLeavesNothingBehind) {
  {
    auto file = AtomicFile::Create((dir_ / "never.jsonl").string());
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Write("half").ok());
  }
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(AtomicFileTest, AMissingDirectoryIsAnError) {
  EXPECT_FALSE(AtomicFile::Create((dir_ / "no" / "such" / "file").string()).ok());
}

}  // namespace
}  // namespace memoryd
