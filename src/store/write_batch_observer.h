// WriteBatchObserver: told of every group commit of a store's writer, for metrics. The writer
// that leads the batch calls it after the commit and before it wakes the others, so it must be
// cheap and must not block.
//
// Thread-safety: called from whichever writer thread leads a batch, one batch at a time.
#pragma once

#include <chrono>
#include <cstddef>

namespace memoryd {

class WriteBatchObserver {
 public:
  virtual ~WriteBatchObserver() = default;
  // One batch: how many write operations it ran, and the time from BEGIN to the end of its
  // COMMIT (or rollback), the fsync included.
  virtual void OnBatch(size_t writes, std::chrono::nanoseconds elapsed) = 0;
};

}  // namespace memoryd
