#include "core/zeroed_memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace memoryd {
namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
// Below this a range is left in small pages: a huge page is resident as a whole once touched, so
// the last, partly used one of each range is waste, and for small ranges (many small spaces'
// indexes) that waste would be a large share.
constexpr size_t kMinAdvisedBytes = size_t{32} << 20;

}  // namespace

void AdviseHugePages(void* p, size_t bytes) {
#if defined(MADV_HUGEPAGE)
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t first = (start + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (start + bytes) & ~(kHugePage - 1);
  if (p == nullptr || bytes < kMinAdvisedBytes || last <= first) return;
  // EINVAL where the kernel has no transparent huge pages: the memory works as before.
  (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

namespace zeroed_memory_internal {

void* Map(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  AdviseHugePages(p, bytes);
  return p;
}

void* Remap(void* p, size_t old_bytes, size_t new_bytes) {
  if (p == nullptr) return Map(new_bytes);
  if (new_bytes == 0) {
    Unmap(p, old_bytes);
    return nullptr;
  }
  void* moved = ::mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
  if (moved == MAP_FAILED) throw std::bad_alloc();
  if (new_bytes > old_bytes) AdviseHugePages(moved, new_bytes);
  return moved;
}

void Unmap(void* p, size_t bytes) noexcept {
  if (p != nullptr) (void)::munmap(p, bytes);
}

}  // namespace zeroed_memory_internal
}  // namespace memoryd
