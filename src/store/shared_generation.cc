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

}  // namespace

Result<std::unique_ptr<SharedGeneration>> SharedGeneration::Open(const std::string& path) {
  // The mode SQLite gives the database itself.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Failure("cannot open", path);
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
