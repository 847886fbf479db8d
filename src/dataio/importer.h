// Reading an export file (dataio/export_format.h) into a store, in two passes: CheckImportFile
// reads every line and refuses the file at its first bad line, before anything is written;
// ImportFile then writes the records a batch (one transaction) at a time through the store's
// normal write path, so processes serving the same data directory see them (the shared
// generation invalidates their read caches, and their search indexes follow the index feed).
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "service/options.h"
#include "store/store.h"

namespace memoryd::dataio {

struct ImportOptions {
  AccountId account = kDefaultAccountId;
  ServiceOptions limits;     // sizes and names a record must respect
  int64_t batch_size = 500;  // records per transaction
};

struct ImportCounts {
  int64_t created = 0;
  int64_t replaced = 0;
  int64_t unchanged = 0;
  int64_t expired = 0;  // already expired when imported: skipped
  int64_t total() const { return created + replaced + unchanged; }
};

// Checks every line of the file: the header, each record (export_format.h), no id and no (space,
// key) twice. Returns how many records it holds. kInvalidArgument or kTooLarge whose message
// starts with "line N: " for the first bad line; kNotFound/kInternal when the file cannot be read.
Result<int64_t> CheckImportFile(const std::string& path, const ServiceOptions& limits);

// Called after each batch with the records handled so far.
using ImportProgress = std::function<void(int64_t done)>;

// Imports a file CheckImportFile accepted. Records already expired at `now` are skipped. On a
// store error, the batches before it stay imported (importing the file again completes it).
Result<ImportCounts> ImportFile(Store& store, const std::string& path, const ImportOptions& options,
                                int64_t now, const ImportProgress& progress);

}  // namespace memoryd::dataio
