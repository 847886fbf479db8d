#include "app/data_dir.h"

#include <filesystem>
#include <system_error>

namespace memoryd {

Result<std::unique_ptr<SqliteStore>> OpenDataDir(const std::string& data_dir, bool full_sync,
                                                 int64_t read_cache_bytes,
                                                 WriteBatchObserver* write_observer) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::Internal("cannot create data directory " + data_dir + ": " + ec.message());
  SqliteStoreOptions options;
  options.path = (std::filesystem::path(data_dir) / "memoryd.db").string();
  options.full_sync = full_sync;
  options.read_cache_bytes = read_cache_bytes;
  options.write_observer = write_observer;
  return SqliteStore::Open(options);
}

}  // namespace memoryd
