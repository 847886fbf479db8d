// A whole memory as export and import carry it: every field, and the stored embedding with the
// name of the embedder that made it. Plain data, as model/memory.h.
#pragma once

#include <string>
#include <vector>

#include "model/memory.h"

namespace memoryd {

struct MemoryRecord {
  Memory memory;                 // `seq` is ignored on import
  std::vector<float> embedding;  // empty when none is stored or none was asked for
  std::string embedder;          // who made `embedding`; empty when it is empty
  bool derived_id = false;       // import: the file gave no id, so one was derived
};

// What importing one record did.
enum class ImportOutcome {
  kCreated,    // no memory had its id or its (space, key)
  kReplaced,   // the memory with its id, or another one holding its (space, key), was replaced
  kUnchanged,  // the memory with its id already held exactly this content: nothing was written
};

}  // namespace memoryd
