#include "store/shared_generation.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace memoryd {
namespace {

constexpr size_t kFileBytes = 4096;

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free,
              "a counter shared between processes must be lock-free");

Status Failure(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

// Opens the file, creating it with the mode and owner of `like` when it is missing.
Result<int> OpenLike(const std::string& path, const std::string& like) {
  struct stat model {};
  const bool have_model = !like.empty() && ::stat(like.c_str(), &model) == 0;
  const mode_t mode = have_model ? (model.st_mode & 0666) : 0644;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0) {
    // The mode exactly as the model's, whatever the umask; the owner too when allowed to.
    if (have_model) {
      (void)::fchmod(fd, mode);
      if (::geteuid() == 0) (void)::fchown(fd, model.st_uid, model.st_gid);
    }
    return fd;
  }
  if (errno == EEXIST) fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status::Internal("cannot open " + path + ": " + std::strerror(errno) +
                            " (every process that writes the database must be able to write it)");
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<SharedGeneration>> SharedGeneration::Open(const std::string& path,
                                                                 const std::string& like) {
  MEMORYD_ASSIGN_OR_RETURN(const int fd, OpenLike(path, like));
  struct stat st {};
  // Growing the file is idempotent, so two processes creating it at once cannot conflict; the
  // new bytes read as zero.
  if (::fstat(fd, &st) != 0 ||
      (st.st_size < static_cast<off_t>(kFileBytes) && ::ftruncate(fd, kFileBytes) != 0)) {
    Status s = Failure("cannot size", path);
    ::close(fd);
    return s;
  }
  void* map = ::mmap(nullptr, kFileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (map == MAP_FAILED) return Failure("cannot map", path);
  return std::unique_ptr<SharedGeneration>(new SharedGeneration(static_cast<uint64_t*>(map)));
}

SharedGeneration::~SharedGeneration() { ::munmap(counter_, kFileBytes); }

uint64_t SharedGeneration::Load() const {
  return std::atomic_ref<uint64_t>(*counter_).load(std::memory_order_acquire);
}

void SharedGeneration::Bump() {
  std::atomic_ref<uint64_t>(*counter_).fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace memoryd
