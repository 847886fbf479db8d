// IndexState: the small file beside the saved vector indexes that says which version of the
// store's index feed they reflect, which embedder made them, and which spaces have one.
//
// Thread-safety: free functions on files; callers serialise writes to one path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace memoryd {

struct IndexState {
  int64_t version = 0;
  std::string embedder;
  std::vector<int64_t> spaces;
};

// kNotFound when the file does not exist; kInternal when it is unreadable or malformed.
Result<IndexState> ReadIndexState(const std::string& path);
// Atomically replaces the file (temporary file, fsync, rename). kInternal on I/O failure.
Status WriteIndexState(const std::string& path, const IndexState& state);

}  // namespace memoryd
