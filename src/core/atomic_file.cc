#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace memoryd {
namespace {

Status IoError(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& path) {
  std::string temp = path + ".tmpXXXXXX";
  const int fd = ::mkstemp(temp.data());  // mode 0600 whatever the umask
  if (fd < 0) return IoError("cannot create a temporary file beside", path);
  FILE* file = ::fdopen(fd, "w");
  if (file == nullptr) {
    ::close(fd);
    ::unlink(temp.c_str());
    return IoError("cannot open", temp);
  }
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, std::move(temp), file));
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

Status AtomicFile::Write(std::string_view bytes) {
  if (file_ == nullptr) return Status::Internal("write after commit: " + path_);
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return IoError("cannot write", temp_path_);
  }
  return Status::Ok();
}

Status AtomicFile::Commit(bool overwrite) {
  if (file_ == nullptr) return Status::Internal("committed twice: " + path_);
  FILE* file = file_;
  file_ = nullptr;
  const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int saved = errno;
  if (std::fclose(file) != 0 || !flushed) {
    errno = flushed ? errno : saved;
    return IoError("cannot write", temp_path_);
  }
  if (overwrite) {
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) return IoError("cannot create", path_);
  } else {
    // link() fails when the path exists, so a file that appeared meanwhile is never replaced.
    if (::link(temp_path_.c_str(), path_.c_str()) != 0) {
      if (errno == EEXIST) return Status::Conflict(path_ + " exists (refusing to overwrite it)");
      return IoError("cannot create", path_);
    }
    ::unlink(temp_path_.c_str());
  }
  committed_ = true;
  SyncParentDirectory(path_);
  return Status::Ok();
}

void SyncParentDirectory(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace memoryd
