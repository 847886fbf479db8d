#include "index/best_slots.h"

#include <algorithm>
#include <functional>

namespace memoryd {
namespace {

// Below this many candidates (or when m is a large share of them) the plain heap pass is as cheap.
constexpr size_t kPrefilterMin = 4096;
constexpr size_t kPrefilterRatio = 8;
constexpr size_t kSampleSize = 1024;

// One heap pass: the worst kept slot on top; a slot enters only if it beats it.
std::vector<uint32_t> HeapSelect(std::span<const uint32_t> slots, const float* score, size_t m) {
  const auto better = [score](uint32_t a, uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : a < b;
  };
  std::vector<uint32_t> heap;
  heap.reserve(std::min(m, slots.size()) + 1);
  for (const uint32_t slot : slots) {
    if (heap.size() == m) {
      if (score[slot] < score[heap.front()] || !better(slot, heap.front())) continue;
    }
    heap.push_back(slot);
    std::push_heap(heap.begin(), heap.end(), better);
    if (heap.size() > m) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.pop_back();
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  return heap;
}

}  // namespace

std::vector<uint32_t> BestSlots(std::span<const uint32_t> slots, const float* score, size_t m) {
  if (m == 0) return {};
  if (slots.size() >= kPrefilterMin && slots.size() > kPrefilterRatio * m) {
    const size_t stride = slots.size() / kSampleSize;
    std::vector<float> sample;
    sample.reserve(kSampleSize + 1);
    for (size_t i = 0; i < slots.size(); i += stride) sample.push_back(score[slots[i]]);
    // The sample's rank that about 2m of all the entries exceed.
    const size_t rank = 2 * m * sample.size() / slots.size();
    if (rank < sample.size()) {
      std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(rank),
                       sample.end(), std::greater<>());
      const float threshold = sample[rank];
      std::vector<uint32_t> pool;
      pool.reserve(4 * m);
      for (const uint32_t slot : slots) {
        if (score[slot] >= threshold) pool.push_back(slot);
      }
      // Every entry at or above the threshold is in the pool; if m of them are, the m best of
      // all are among them (ties included).
      if (pool.size() >= m) return HeapSelect(pool, score, m);
    }
  }
  return HeapSelect(slots, score, m);
}

}  // namespace memoryd
