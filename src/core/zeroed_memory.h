// Large zero-filled arrays for indexes that reach gigabytes (a million vectors' exact floats).
//
// They come straight from anonymous memory, which is zero when first touched, so nothing writes
// zeros over them, and the kernel is asked to back them with transparent huge pages: filling a
// gigabyte then takes hundreds of page faults instead of hundreds of thousands (on this project's
// virtual machines a fault costs microseconds, and a 1,000,000-vector index loaded in 4 KiB pages
// spent most of its restart faulting).
//
// Thread-safety: a ZeroedArray is used like a std::vector: concurrent reads are safe, writes to
// distinct elements are safe, anything that replaces the storage (move, swap) is not.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace memoryd {

// Asks the kernel to back the whole 2 MiB pages inside [p, p + bytes) with transparent huge pages
// when they are first touched, for ranges of at least 32 MiB (a smaller one keeps small pages: the
// partly used last huge page would be too large a share of it). A hint: never fails, and does
// nothing where unsupported.
void AdviseHugePages(void* p, size_t bytes);

namespace zeroed_memory_internal {
// `bytes` of zeroed anonymous memory advised as above; throws std::bad_alloc. nullptr for 0.
void* Map(size_t bytes);
void Unmap(void* p, size_t bytes) noexcept;
// Grows or shrinks a mapping from Map, keeping its bytes (the kernel moves the pages, nothing is
// copied); new bytes are zero. Throws std::bad_alloc (the old mapping is then unchanged).
void* Remap(void* p, size_t old_bytes, size_t new_bytes);
}  // namespace zeroed_memory_internal

// A fixed-size array of trivially copyable T, all zero at construction.
template <typename T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  ZeroedArray() = default;
  // Throws std::bad_alloc when memory runs out.
  explicit ZeroedArray(size_t size)
      : data_(static_cast<T*>(zeroed_memory_internal::Map(size * sizeof(T)))), size_(size) {}
  ~ZeroedArray() { zeroed_memory_internal::Unmap(data_, size_ * sizeof(T)); }
  ZeroedArray(ZeroedArray&& other) noexcept { swap(other); }
  ZeroedArray& operator=(ZeroedArray&& other) noexcept {
    ZeroedArray(std::move(other)).swap(*this);
    return *this;
  }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  // Changes the size, keeping the first min(old, new) elements; new elements are zero. Moves the
  // storage (pointers into it are invalidated) without copying it. Throws std::bad_alloc (the
  // array is then unchanged).
  void Resize(size_t size) {
    data_ =
        static_cast<T*>(zeroed_memory_internal::Remap(data_, size_ * sizeof(T), size * sizeof(T)));
    size_ = size;
  }
  void swap(ZeroedArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace memoryd
