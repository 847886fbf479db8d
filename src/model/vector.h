// Vector: an embedding, L2-normalised, so that inner product equals cosine similarity. Made by
// embed/, stored by store/, searched by index/.
#pragma once

#include <vector>

namespace memoryd {

using Vector = std::vector<float>;

}  // namespace memoryd
