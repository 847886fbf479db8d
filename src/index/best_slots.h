// BestSlots: the m highest-scoring entries of a large candidate list, exactly, in less than one
// heap pass over the list: a sample of the scores gives a threshold that about 2m entries
// exceed, one branch-light pass keeps those, and only they go through the heap. If the sample
// misjudged (fewer than m entries reach the threshold), the full heap pass runs instead, so the
// result is always the same as a full sort's.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace memoryd {

// The m slots of `slots` with the highest score[slot], best first; equal scores: lower slot
// first. `slots` must hold distinct values, each a valid index into `score`. Never fails.
std::vector<uint32_t> BestSlots(std::span<const uint32_t> slots, const float* score, size_t m);

}  // namespace memoryd
