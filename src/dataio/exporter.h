// Writing a store's memories in the export format (dataio/export_format.h).
//
// Thread-safety: free functions; the store is safe to share.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace memoryd::dataio {

struct ExportOptions {
  AccountId account = kDefaultAccountId;
  std::optional<std::string> space;  // only this space; every space when empty
  bool with_embeddings = false;
};

// Writes the header line, then one line per live memory at `now`, all from one snapshot of the
// store, each line ended by '\n', through `sink`. Returns how many memories were written, or the
// first error of the store or of `sink`.
Result<int64_t> WriteExport(Store& store, const ExportOptions& options, int64_t now,
                            const std::function<Status(std::string_view)>& sink);

}  // namespace memoryd::dataio
