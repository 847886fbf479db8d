// Test helpers shared by the store's unit tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace memoryd::store_test {

// A directory of its own under the test temp dir, removed with everything in it at the end.
// `path()` is empty when the directory could not be made.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "memoryd_store_XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace memoryd::store_test
