// AtomicFile: a file that appears at its path complete, or not at all. Written as a temporary
// file (mode 0600) beside the path, then flushed, fsynced and moved into place, and the
// directory fsynced, so a crash leaves either the old state or the whole new file.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace memoryd {

class AtomicFile {
 public:
  // Creates the temporary file beside `path`. kInternal when it cannot be created.
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  // Removes the temporary file unless it was committed.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // The temporary file, for writers that open it themselves (SQLite's backup).
  const std::string& temp_path() const { return temp_path_; }
  // Appends to the temporary file (buffered). kInternal on a write error.
  Status Write(std::string_view bytes);
  // Moves the finished file to its path. kConflict when the path exists and `overwrite` is
  // false (the path is then untouched); kInternal on an I/O failure.
  Status Commit(bool overwrite);

 private:
  AtomicFile(std::string path, std::string temp_path, FILE* file)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(file) {}

  const std::string path_;
  const std::string temp_path_;
  FILE* file_;  // null once closed
  bool committed_ = false;
};

// Fsyncs the directory holding `path`, so a rename or a new file in it survives a power loss.
// Failures are ignored: the file itself is complete either way.
void SyncParentDirectory(const std::string& path);

}  // namespace memoryd
