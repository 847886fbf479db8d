// TermPool: the distinct terms of every document of a Bm25Index, one document after another in
// one array, instead of one allocation per document. A million documents' lists then load
// without a million allocations, into huge pages (core/zeroed_memory.h), and cost 12 bytes of
// bookkeeping each instead of about 40. Growing moves the array's pages without copying them.
// Removed documents leave their entries behind until the index compacts (Bm25Index rebuilds the
// pool from its live documents then).
//
// Thread-safety: as a std::vector (the index's lock guards it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/zeroed_memory.h"

namespace memoryd {

template <typename T>
class TermPool {
 public:
  size_t size() const { return size_; }
  // Room for `n` entries in all without moving the storage again. Throws std::bad_alloc.
  void Reserve(size_t n) {
    if (n > storage_.size()) storage_.Resize(n);
  }
  // Appends `n` zeroed entries and returns them. Invalidates earlier spans.
  // Throws std::bad_alloc (nothing appended then).
  std::span<T> Extend(size_t n) {
    if (size_ + n > storage_.size()) {
      Reserve(std::max({size_ + n, storage_.size() * 2, kMinCapacity}));
    }
    std::span<T> added(storage_.data() + size_, n);
    size_ += n;
    return added;
  }
  std::span<const T> Range(uint64_t offset, uint32_t count) const {
    return {storage_.data() + offset, count};
  }
  std::span<T> Range(uint64_t offset, uint32_t count) { return {storage_.data() + offset, count}; }
  void swap(TermPool& other) noexcept {
    storage_.swap(other.storage_);
    std::swap(size_, other.size_);
  }

 private:
  static constexpr size_t kMinCapacity = 1024;
  ZeroedArray<T> storage_;  // its size is the capacity
  size_t size_ = 0;
};

}  // namespace memoryd
