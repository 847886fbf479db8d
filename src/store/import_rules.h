// Rules every store applies alike when it imports memories (Store::ImportMemories).
#pragma once

#include <string>
#include <vector>

#include "model/memory_record.h"

namespace memoryd {

// The tags in their first-seen order, each once.
std::vector<std::string> UniqueTags(const std::vector<std::string>& tags);

// True when importing `rec` over a stored memory (with its embedding and embedder) would change
// nothing anyone can read. The stored embedding matters only when the record brings one.
bool SameImportedContent(const Memory& stored, const std::vector<float>& stored_embedding,
                         const std::string& stored_embedder, const MemoryRecord& rec);

}  // namespace memoryd
