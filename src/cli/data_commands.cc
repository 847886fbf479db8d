#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "app/data_dir.h"
#include "cli/command.h"
#include "cli/progress_meter.h"
#include "core/atomic_file.h"
#include "core/clock.h"
#include "dataio/exporter.h"
#include "dataio/importer.h"
#include "service/validation.h"
#include "store/sqlite_backup.h"

namespace memoryd::cli {
namespace {

constexpr const char* kDatabaseFile = "memoryd.db";

FlagSpec DataDirFlag(std::string help) {
  FlagSpec flag = cli::DataDirFlag();
  flag.help = std::move(help);
  return flag;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kDatabaseFile).string();
}

// --- export ---

constexpr const char* kExportDetails =
    "Writes every live memory as JSON Lines (a header line, then one memory per line) to stdout\n"
    "or FILE (mode 0600, replaced atomically), from one consistent snapshot, also while\n"
    "`memoryd serve` or `memoryd mcp` runs on DIR.\n";

Status RunExport(const ParsedFlags& flags, std::FILE* out_stream, int64_t* count) {
  dataio::ExportOptions options;
  options.space = flags.Get("space");
  options.with_embeddings = flags.Has("with-embeddings");
  if (options.space) MEMORYD_RETURN_IF_ERROR(ValidateSpaceName(*options.space, {}));
  const StoreLocation where = StoreLocationOf(flags);
  if (where.database_url.empty() && !std::filesystem::exists(DatabasePath(where.data_dir))) {
    return Status::NotFound("no memoryd database in " + where.data_dir);
  }
  MEMORYD_ASSIGN_OR_RETURN(auto store, OpenStore(where, true, 0));
  const int64_t now = SystemClock().NowMillis();
  std::unique_ptr<AtomicFile> file;
  if (auto path = flags.Get("out")) {
    MEMORYD_ASSIGN_OR_RETURN(file, AtomicFile::Create(*path));
  }
  auto sink = [&](std::string_view bytes) -> Status {
    if (file) return file->Write(bytes);
    if (std::fwrite(bytes.data(), 1, bytes.size(), out_stream) != bytes.size()) {
      return Status::Internal("cannot write to stdout");
    }
    return Status::Ok();
  };
  MEMORYD_ASSIGN_OR_RETURN(*count, dataio::WriteExport(*store, options, now, sink));
  if (file) return file->Commit(/*overwrite=*/true);
  if (std::fflush(out_stream) != 0) return Status::Internal("cannot write to stdout");
  return Status::Ok();
}

// --- import ---

constexpr const char* kImportDetails =
    "Restores memories from an export (FILE, or - for stdin) with their ids and times. Every\n"
    "line is checked first: a bad line stops the import with its number and nothing is\n"
    "written. Importing the same file again changes nothing. Works while `memoryd serve` runs\n"
    "on DIR; memories without an embedding are embedded by the server in the background.\n";

// The import's input copied to a file (mode 0600) in the data directory, removed when
// destroyed: the import reads its input twice (check, then write).
class SpooledInput {
 public:
  ~SpooledInput() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  // Copies `source` ("-" for standard input) into the data directory.
  Status Fill(const std::string& data_dir, const std::string& source) {
    std::FILE* in = source == "-" ? stdin : std::fopen(source.c_str(), "rb");
    if (in == nullptr) return Status::NotFound("cannot read " + source);
    Status s = CopyFrom(data_dir, in);
    if (in != stdin) std::fclose(in);
    return s;
  }
  const std::string& path() const { return path_; }

 private:
  Status CopyFrom(const std::string& data_dir, std::FILE* in) {
    std::string tmpl = (std::filesystem::path(data_dir) / "import-stdin.XXXXXX").string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return Status::Internal("cannot create a temporary file in " + data_dir);
    path_ = tmpl;
    std::FILE* out = ::fdopen(fd, "w");
    if (out == nullptr) {
      ::close(fd);
      return Status::Internal("cannot open " + path_);
    }
    char buffer[1 << 16];
    size_t n = 0;
    bool ok = true;
    while (ok && (n = std::fread(buffer, 1, sizeof(buffer), in)) > 0) {
      ok = std::fwrite(buffer, 1, n, out) == n;
    }
    ok = ok && !std::ferror(in);
    ok = std::fclose(out) == 0 && ok;
    return ok ? Status::Ok() : Status::Internal("cannot copy the input to " + path_);
  }

  std::string path_;
};

Result<dataio::ImportCounts> RunImport(const ParsedFlags& flags, const std::string& input) {
  const std::string data_dir = flags.GetOr("data-dir", "./memoryd-data");
  dataio::ImportOptions options;
  MEMORYD_ASSIGN_OR_RETURN(options.limits.max_value_bytes, flags.Integer("max-value-bytes"));
  MEMORYD_ASSIGN_OR_RETURN(auto store, OpenStore(StoreLocationOf(flags), true, 0));
  // The input is read twice (check, then write): anything but a regular file (stdin, a pipe,
  // <(zcat dump.gz)) is copied first, so the second reading sees what the first one checked.
  SpooledInput spooled;
  std::string path = input;
  struct stat info {};
  if (input == "-" || ::stat(input.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    MEMORYD_RETURN_IF_ERROR(spooled.Fill(data_dir, input));
    path = spooled.path();
  }
  MEMORYD_ASSIGN_OR_RETURN(const int64_t total, dataio::CheckImportFile(path, options.limits));
  ProgressMeter meter(stderr, "memories", total);
  auto counts = dataio::ImportFile(*store, path, options, SystemClock().NowMillis(),
                                   [&](int64_t done) { meter.Update(done); });
  meter.Finish();
  return counts;
}

// --- backup and restore ---

constexpr const char* kBackupDetails =
    "Copies DIR's database to PATH (mode 0600) as one consistent snapshot while `memoryd serve`\n"
    "and `memoryd mcp` keep writing, then checks the copy and prints a summary. PATH must not\n"
    "exist unless --force is given.\n";

constexpr const char* kRestoreDetails =
    "Checks the backup at PATH, then creates the data directory NEWDIR (mode 0700) holding it.\n"
    "NEWDIR must not exist or be empty. Search indexes are rebuilt at the first start.\n";

std::string Summary(const sqlite::SnapshotInfo& info) {
  return std::to_string(info.memories) + " memories in " + std::to_string(info.spaces) +
         " spaces, schema version " + std::to_string(info.schema_version) + ", " +
         std::to_string(info.bytes) + " bytes, integrity ok";
}

// Copies `from` to `to` through a temporary file, checks the copy, then moves it into place.
Result<sqlite::SnapshotInfo> CopyChecked(const std::string& from, const std::string& to,
                                         bool overwrite) {
  MEMORYD_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(to));
  MEMORYD_RETURN_IF_ERROR(sqlite::CopyDatabase(from, file->temp_path()));
  MEMORYD_ASSIGN_OR_RETURN(auto info, sqlite::CheckSnapshot(file->temp_path()));
  MEMORYD_RETURN_IF_ERROR(file->Commit(overwrite));
  return info;
}

// Creates `dir` (0700), or accepts an existing empty directory. kConflict when it holds
// anything.
Status PrepareEmptyDirectory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return Status::Conflict(dir + " exists and is not a directory");
    }
    if (!std::filesystem::is_empty(dir, ec)) {
      return Status::Conflict("refusing to restore into " + dir +
                              ": it is not empty (restore creates a new data directory)");
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::Internal("cannot create " + dir + ": " + ec.message());
  }
  if (::chmod(dir.c_str(), 0700) != 0) return Status::Internal("cannot set the mode of " + dir);
  return Status::Ok();
}

std::vector<FlagSpec> ExportFlags() {
  return {
      DataDirFlag("data directory to export"),
      DatabaseFlag(),
      {"space", true, "", "", "only this space (default: every space)"},
      {"out", true, "", "", "write to FILE (mode 0600, atomically) instead of stdout"},
      {"with-embeddings", false, "", "",
       "add each memory's stored vector (base64 float32) and embedder"},
  };
}

std::vector<FlagSpec> ImportFlags() {
  return {
      DataDirFlag("data directory to import into (created if missing)"),
      DatabaseFlag(),
      {"max-value-bytes", true, "MEMORYD_MAX_VALUE_BYTES",
       std::to_string(ServiceOptions{}.max_value_bytes),
       "largest memory text accepted (as memoryd serve)"},
  };
}

std::vector<FlagSpec> BackupFlags() {
  return {
      DataDirFlag("data directory to back up"),
      {"out", true, "", "", "file to write the backup to (must not exist)"},
      {"force", false, "", "", "replace PATH if it exists"},
  };
}

std::vector<FlagSpec> RestoreFlags() {
  return {
      DataDirFlag("new data directory to create (must not exist or be empty)"),
      {"from", true, "", "", "backup file written by memoryd backup"},
  };
}

int Export(const ParsedFlags& flags, int, char**) {
  const auto start = std::chrono::steady_clock::now();
  int64_t count = 0;
  Status s = RunExport(flags, stdout, &count);
  if (!s.ok()) return Fail(s, s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure);
  std::fprintf(stderr, "exported %lld memories in %.1f s\n", static_cast<long long>(count),
               SecondsSince(start));
  return kExitOk;
}

int Import(const ParsedFlags& flags, int, char**) {
  if (flags.positional().size() != 1) {
    return Fail(Status::InvalidArgument("import needs one FILE to read (or - for stdin)"),
                kExitUsage);
  }
  const auto start = std::chrono::steady_clock::now();
  auto counts = RunImport(flags, flags.positional()[0]);
  if (!counts.ok()) return Fail(counts.status());
  std::fprintf(stderr, "imported %lld memories (%lld created, %lld replaced, %lld unchanged)",
               static_cast<long long>(counts->total()), static_cast<long long>(counts->created),
               static_cast<long long>(counts->replaced), static_cast<long long>(counts->unchanged));
  if (counts->expired > 0) {
    std::fprintf(stderr, ", skipped %lld already expired", static_cast<long long>(counts->expired));
  }
  std::fprintf(stderr, " in %.1f s\n", SecondsSince(start));
  return kExitOk;
}

int Backup(const ParsedFlags& flags, int, char**) {
  const auto out = flags.Get("out");
  if (!out || out->empty())
    return Fail(Status::InvalidArgument("--out PATH is required"), kExitUsage);
  const bool force = flags.Has("force");
  if (!force && std::filesystem::exists(*out)) {
    return Fail(Status::Conflict(*out + " exists (refusing to overwrite it; --force replaces it)"));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string data_dir = flags.GetOr("data-dir", "./memoryd-data");
  if (Status s = RequireDataDir(data_dir); !s.ok()) return Fail(s);
  auto info = CopyChecked(DatabasePath(data_dir), *out, force);
  if (!info.ok()) return Fail(info.status());
  std::printf("backup %s: %s, in %.1f s\n", out->c_str(), Summary(*info).c_str(),
              SecondsSince(start));
  return kExitOk;
}

int Restore(const ParsedFlags& flags, int, char**) {
  const auto from = flags.Get("from");
  if (!from || from->empty())
    return Fail(Status::InvalidArgument("--from PATH is required"), kExitUsage);
  const std::string dir = flags.GetOr("data-dir", "./memoryd-data");
  // The backup is checked before anything is created.
  auto checked = sqlite::CheckSnapshot(*from);
  if (!checked.ok()) return Fail(checked.status());
  if (Status s = PrepareEmptyDirectory(dir); !s.ok()) return Fail(s);
  auto info = CopyChecked(*from, DatabasePath(dir), /*overwrite=*/false);
  if (!info.ok()) return Fail(info.status());
  std::printf("restored %s into %s: %s\n", from->c_str(), dir.c_str(), Summary(*info).c_str());
  return kExitOk;
}

}  // namespace

std::vector<Command> DataCommands() {
  return {
      {"export", "--data-dir DIR [--space NAME] [--out FILE] [--with-embeddings]",
       "write memories as JSON Lines", kExportDetails, ExportFlags, 0, Export},
      {"import", "--data-dir DIR FILE|-", "restore memories from an export, keeping their ids",
       kImportDetails, ImportFlags, 1, Import},
      {"backup", "--data-dir DIR --out PATH [--force]", "take a consistent online snapshot",
       kBackupDetails, BackupFlags, 0, Backup},
      {"restore", "--data-dir NEWDIR --from PATH", "create a data directory from a backup",
       kRestoreDetails, RestoreFlags, 0, Restore},
  };
}

}  // namespace memoryd::cli
