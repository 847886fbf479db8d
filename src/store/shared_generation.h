// SharedGeneration: a counter every process writing one database bumps after each write that
// changed rows (WriteBatcher), kept in a small memory-mapped file beside the database
// (`<database>.generation`). A process caching
// reads (ReadCache) trusts an entry only while the counter still holds the value it had before
// the entry was read, so a commit by this process or by any other one (`serve` and `mcp` may
// share a data directory) invalidates every cached read before its writer returns.
//
// Thread-safety: Load and Bump may be called from any thread and any process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace memoryd {

class SharedGeneration {
 public:
  // Maps the file at `path`, creating it (zero) if missing. A new file gets the mode of the file
  // at `like` (the database) and, when running as root, its owner, as SQLite does for its own
  // -wal and -shm files: every process that writes the database must be able to write this file
  // too. An empty `like` means mode 0644 and the caller as owner. kInternal on failure.
  static Result<std::unique_ptr<SharedGeneration>> Open(const std::string& path,
                                                        const std::string& like = "");
  ~SharedGeneration();
  SharedGeneration(const SharedGeneration&) = delete;
  SharedGeneration& operator=(const SharedGeneration&) = delete;

  uint64_t Load() const;
  void Bump();

 private:
  explicit SharedGeneration(uint64_t* counter) : counter_(counter) {}
  uint64_t* counter_;  // in a MAP_SHARED page, 8-byte aligned
};

}  // namespace memoryd
