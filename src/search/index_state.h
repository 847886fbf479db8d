// IndexState: the small file beside the saved indexes that says which version of the store's
// index feed they reflect (the keyword and the vector indexes each their own), which embedder made
// the vectors, which spaces have a saved vector index and which have a saved keyword index.
//
// Thread-safety: free functions on files; callers serialise writes to one path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace memoryd {

struct IndexState {
  int64_t version = 0;        // the keyword indexes reflect the feed up to here
  int64_t graph_version = 0;  // ...and the vector indexes up to here
  std::string embedder;
  std::vector<int64_t> spaces;  // with a saved vector index
  std::vector<int64_t> texts;   // with a saved keyword index

  bool operator==(const IndexState&) const = default;
};

// An exclusive advisory lock (flock) on a file, held until destroyed: serialises the processes
// that save into one index directory.
class IndexDirLock {
 public:
  // Blocks until the lock is held. kInternal when the lock file cannot be opened or locked.
  static Result<IndexDirLock> Acquire(const std::string& path);
  IndexDirLock(IndexDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  IndexDirLock& operator=(IndexDirLock&&) = delete;
  IndexDirLock(const IndexDirLock&) = delete;
  ~IndexDirLock();

 private:
  explicit IndexDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// kNotFound when the file does not exist; kInternal when it is unreadable, malformed or of a
// format older than 2 (whose saved indexes are then rebuilt). Format 2 had one version for both
// halves: it is read as graph_version = version.
Result<IndexState> ReadIndexState(const std::string& path);
// Atomically replaces the file (temporary file, fsync, rename). kInternal on I/O failure.
Status WriteIndexState(const std::string& path, const IndexState& state);

}  // namespace memoryd
