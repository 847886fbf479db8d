#include "app/data_dir.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace memoryd {
namespace {

namespace fs = std::filesystem;

// A data directory made by an older memoryd, or by hand, may be readable by others: memories
// and key hashes are its owner's alone, so group and other permissions are taken away.
void MakePrivate(const std::string& data_dir) {
  int changed = 0;
  auto tighten = [&](const fs::path& path) {
    std::error_code ec;
    const fs::perms perms = fs::symlink_status(path, ec).permissions();
    if (ec || (perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none) return;
    fs::permissions(path, fs::perms::group_all | fs::perms::others_all, fs::perm_options::remove,
                    ec);
    if (ec) {
      std::fprintf(stderr, "memoryd: cannot make %s private to its owner: %s\n", path.c_str(),
                   ec.message().c_str());
    } else {
      ++changed;
    }
  };
  tighten(data_dir);
  std::error_code walk;
  for (fs::recursive_directory_iterator it(data_dir, walk), end; !walk && it != end;
       it.increment(walk)) {
    std::error_code ec;
    if (!fs::is_symlink(it->symlink_status(ec)) && !ec) tighten(it->path());
  }
  if (changed > 0) {
    std::fprintf(stderr, "memoryd: made %d entries of %s private to their owner\n", changed,
                 data_dir.c_str());
  }
}

}  // namespace

Status RequireDataDir(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::exists(fs::path(data_dir) / "memoryd.db", ec)) {
    return Status::NotFound("no memoryd data directory at " + data_dir + " (it has no memoryd.db)");
  }
  return Status::Ok();
}

Status RequireStore(const StoreLocation& where) {
  return where.database_url.empty() ? RequireDataDir(where.data_dir) : Status::Ok();
}

std::string IndexDir(const StoreLocation& where) {
  return where.data_dir + (where.database_url.empty() ? "/index" : "/index-postgres");
}

Result<std::unique_ptr<SqlStore>> OpenStore(const StoreLocation& where, bool full_sync,
                                            int64_t read_cache_bytes,
                                            WriteBatchObserver* write_observer) {
  const std::string& data_dir = where.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::Internal("cannot create data directory " + data_dir + ": " + ec.message());
  MakePrivate(data_dir);
  SqlStoreOptions options;
  options.path = (std::filesystem::path(data_dir) / "memoryd.db").string();
  options.full_sync = full_sync;
  options.read_cache_bytes = read_cache_bytes;
  options.write_observer = write_observer;
  options.database_url = where.database_url;
  if (!where.database_url.empty()) {
    options.generation_path = (std::filesystem::path(data_dir) / "postgres.generation").string();
  }
  return SqlStore::Open(options);
}

}  // namespace memoryd
