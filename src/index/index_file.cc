#include "index/index_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

namespace memoryd {
namespace {

static_assert(std::endian::native == std::endian::little,
              "index files are little-endian; add byte swapping for big-endian hosts");

constexpr std::array<char, 8> kMagic = {'M', 'E', 'M', 'D', 'V', 'I', 'D', 'X'};
// Version 1 ended in a SHA-256 digest; its files are reported as corrupt and rebuilt.
constexpr uint32_t kFormatVersion = 2;
constexpr size_t kFixedHeaderSize = 8 + 4 * 4 + 8;
constexpr size_t kDigestSize = 8;
constexpr size_t kTrailerSize = 8 + kDigestSize;
constexpr size_t kMaxNameLength = 4096;
constexpr size_t kBufferSize = size_t{1} << 20;  // writer's buffer
constexpr uint32_t kMaxDimension = 65536;

// Incremental XXH3 (64-bit) over the bytes of a file: fast enough (tens of GB/s) that checking
// a large index costs little next to reading it, and strong enough to catch torn and flipped
// writes (it is a check against accidents, not an authenticator).
class Checksum {
 public:
  Checksum() : state_(XXH3_createState()) {
    ok_ = state_ != nullptr && XXH3_64bits_reset(state_.get()) == XXH_OK;
  }
  bool ok() const { return ok_; }
  void Update(const void* data, size_t size) {
    if (ok_ && size > 0) ok_ = XXH3_64bits_update(state_.get(), data, size) == XXH_OK;
  }
  uint64_t Digest() const { return XXH3_64bits_digest(state_.get()); }

 private:
  struct StateDeleter {
    void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
  };
  std::unique_ptr<XXH3_state_t, StateDeleter> state_;
  bool ok_ = false;
};

// Owns a POSIX file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  int Close() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status IoError(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write", path);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

template <typename T>
void PutPod(std::vector<char>* out, const T& value) {
  const char* p = reinterpret_cast<const char*>(&value);
  out->insert(out->end(), p, p + sizeof(T));
}

template <typename T>
T GetPod(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

Status Corrupt(const std::string& path, const std::string& why) {
  return Status::Internal("index file " + path + " is corrupt: " + why);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// IndexFileWriter

struct IndexFileWriter::State {
  std::string path;
  std::string tmp_path;
  Fd fd;
  Checksum checksum;
  std::vector<char> buffer;
  uint64_t payload_size = 0;
  bool committed = false;
};

IndexFileWriter::IndexFileWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

IndexFileWriter::~IndexFileWriter() {
  if (state_->committed) return;
  state_->fd.Close();
  ::unlink(state_->tmp_path.c_str());
}

Result<std::unique_ptr<IndexFileWriter>> IndexFileWriter::Create(const std::string& path,
                                                                 const IndexFileHeader& header) {
  if (header.embedder_name.size() > kMaxNameLength) {
    return Status::InvalidArgument("embedder name longer than 4096 bytes");
  }
  auto state = std::make_unique<State>();
  state->path = path;
  try {
    // Reserved once: WriteRaw never lets the buffer grow past it, so appends cannot throw.
    state->buffer.reserve(kBufferSize);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot write index file: ") + e.what());
  }
  std::string tmpl = path + ".tmpXXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return IoError("cannot create temporary file for", path);
  state->fd.Reset(fd);
  state->tmp_path = tmpl;
  // From here on the writer's destructor removes the temporary file on every error path.
  auto writer = std::make_unique<IndexFileWriter>(std::move(state));
  if (!writer->state_->checksum.ok()) return Status::Internal("cannot set up the index checksum");
  std::vector<char> head(kMagic.begin(), kMagic.end());
  PutPod(&head, kFormatVersion);
  PutPod(&head, static_cast<uint32_t>(header.kind));
  PutPod(&head, header.dimension);
  PutPod(&head, static_cast<uint32_t>(header.embedder_name.size()));
  PutPod(&head, header.count);
  head.insert(head.end(), header.embedder_name.begin(), header.embedder_name.end());
  MEMORYD_RETURN_IF_ERROR(writer->WriteRaw(head.data(), head.size()));
  return writer;
}

Status IndexFileWriter::WriteRaw(const void* data, size_t size) {
  state_->checksum.Update(data, size);
  const char* p = static_cast<const char*>(data);
  if (state_->buffer.size() + size <= kBufferSize) {
    state_->buffer.insert(state_->buffer.end(), p, p + size);
    return Status::Ok();
  }
  MEMORYD_RETURN_IF_ERROR(Flush());
  return WriteAll(state_->fd.get(), p, size, state_->tmp_path);
}

Status IndexFileWriter::Flush() {
  Status s =
      WriteAll(state_->fd.get(), state_->buffer.data(), state_->buffer.size(), state_->tmp_path);
  state_->buffer.clear();
  return s;
}

Status IndexFileWriter::Append(const void* data, size_t size) {
  if (state_->committed) return Status::Internal("index file already committed");
  state_->payload_size += size;
  return WriteRaw(data, size);
}

Status IndexFileWriter::Commit() {
  if (state_->committed) return Status::Internal("index file already committed");
  MEMORYD_RETURN_IF_ERROR(WriteRaw(&state_->payload_size, sizeof(state_->payload_size)));
  if (!state_->checksum.ok()) return Status::Internal("index checksum failed");
  const uint64_t digest = state_->checksum.Digest();
  MEMORYD_RETURN_IF_ERROR(Flush());
  MEMORYD_RETURN_IF_ERROR(WriteAll(state_->fd.get(), reinterpret_cast<const char*>(&digest),
                                   sizeof(digest), state_->tmp_path));
  if (::fsync(state_->fd.get()) != 0) return IoError("cannot fsync", state_->tmp_path);
  if (state_->fd.Close() != 0) return IoError("cannot close", state_->tmp_path);
  if (::rename(state_->tmp_path.c_str(), state_->path.c_str()) != 0) {
    return IoError("cannot rename temporary file to", state_->path);
  }
  state_->committed = true;
  // Persist the rename itself; a failure here leaves a complete file, so it is not an error.
  std::string dir = std::filesystem::path(state_->path).parent_path().string();
  Fd dir_fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) (void)::fsync(dir_fd.get());
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// IndexFileReader

// The whole file is mapped read-only: Open() checks the digest in one pass over the mapping and
// Read() copies from it, so the file is read from disk (or the page cache) once.
struct IndexFileReader::State {
  ~State() {
    if (data != nullptr) ::munmap(const_cast<char*>(data), size);
  }
  std::string path;
  const char* data = nullptr;
  size_t size = 0;
  IndexFileHeader header;
  uint64_t offset = 0;       // offset of the next unread payload byte
  uint64_t payload_end = 0;  // offset just past the payload
};

IndexFileReader::IndexFileReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
IndexFileReader::~IndexFileReader() = default;

namespace {

// Hashes bytes [0, size - kDigestSize) and compares with the stored digest.
Status VerifyDigest(const char* data, size_t size, const std::string& path) {
  Checksum checksum;
  if (!checksum.ok()) return Status::Internal("cannot set up the index checksum");
  const size_t hashed = size - kDigestSize;
  checksum.Update(data, hashed);
  if (!checksum.ok()) return Status::Internal("index checksum failed");
  if (GetPod<uint64_t>(data + hashed) != checksum.Digest()) {
    return Corrupt(path, "checksum mismatch");
  }
  return Status::Ok();
}

// Maps the file read-only and loads it in one go (the reader touches every byte anyway).
Status MapFile(const std::string& path, const char** data, size_t* size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("no index file at " + path);
    return IoError("cannot open", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path);
  *size = static_cast<size_t>(st.st_size);
  if (*size < kFixedHeaderSize + kTrailerSize) return Corrupt(path, "too short");
  void* p = ::mmap(nullptr, *size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
  if (p == MAP_FAILED) return IoError("cannot map", path);
  *data = static_cast<const char*>(p);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<IndexFileReader>> IndexFileReader::Open(const std::string& path) {
  try {
    return OpenUnguarded(path);
  } catch (const std::exception& e) {  // std::bad_alloc
    return Status::Internal("cannot read index file " + path + ": " + e.what());
  }
}

Result<std::unique_ptr<IndexFileReader>> IndexFileReader::OpenUnguarded(const std::string& path) {
  auto state = std::make_unique<State>();
  state->path = path;
  MEMORYD_RETURN_IF_ERROR(MapFile(path, &state->data, &state->size));
  const char* head = state->data;
  const size_t size = state->size;
  if (!std::equal(kMagic.begin(), kMagic.end(), head)) {
    return Corrupt(path, "not a memoryd index file");
  }
  if (GetPod<uint32_t>(&head[8]) != kFormatVersion) {
    return Corrupt(path,
                   "unsupported format version " + std::to_string(GetPod<uint32_t>(&head[8])));
  }
  MEMORYD_RETURN_IF_ERROR(VerifyDigest(state->data, size, path));
  const uint32_t kind = GetPod<uint32_t>(&head[12]);
  if (kind != static_cast<uint32_t>(IndexKind::kBruteForce) &&
      kind != static_cast<uint32_t>(IndexKind::kHnsw) &&
      kind != static_cast<uint32_t>(IndexKind::kKeyword)) {
    return Corrupt(path, "unknown index kind");
  }
  state->header.kind = static_cast<IndexKind>(kind);
  state->header.dimension = GetPod<uint32_t>(&head[16]);
  const uint32_t name_length = GetPod<uint32_t>(&head[20]);
  state->header.count = GetPod<uint64_t>(&head[24]);
  if (name_length > kMaxNameLength || kFixedHeaderSize + name_length + kTrailerSize > size) {
    return Corrupt(path, "bad embedder name length");
  }
  state->header.embedder_name.assign(head + kFixedHeaderSize, name_length);
  const auto payload_size = GetPod<uint64_t>(head + size - kTrailerSize);
  state->offset = kFixedHeaderSize + name_length;
  if (payload_size != size - kTrailerSize - state->offset) {
    return Corrupt(path, "payload size does not match the file size");
  }
  state->payload_end = state->offset + payload_size;
  return std::make_unique<IndexFileReader>(std::move(state));
}

const IndexFileHeader& IndexFileReader::header() const { return state_->header; }

uint64_t IndexFileReader::remaining() const { return state_->payload_end - state_->offset; }

Status IndexFileReader::Read(void* out, size_t size) {
  State& s = *state_;
  if (size > remaining()) return Corrupt(s.path, "payload ends early");
  if (size > 0) std::memcpy(out, s.data + s.offset, size);
  s.offset += size;
  return Status::Ok();
}

Status WriteIndexFile(const std::string& path, const IndexFileHeader& header,
                      const PayloadBuffer& payload) {
  MEMORYD_ASSIGN_OR_RETURN(auto writer, IndexFileWriter::Create(path, header));
  MEMORYD_RETURN_IF_ERROR(writer->Append(payload.bytes().data(), payload.bytes().size()));
  return writer->Commit();
}

Status CheckIndexFileHeader(const IndexFileHeader& header, const std::string& path,
                            std::string_view expected_embedder_name, int expected_dimension,
                            std::optional<IndexKind> expected_kind) {
  if (header.dimension == 0 || header.dimension > kMaxDimension) {
    return Corrupt(path, "dimension " + std::to_string(header.dimension) + " out of range");
  }
  if (expected_kind.has_value() && header.kind != *expected_kind) {
    return Status::Conflict("index file " + path + " holds another kind of index");
  }
  if (header.embedder_name != expected_embedder_name) {
    return Status::Conflict("index file " + path + " was built by embedder '" +
                            header.embedder_name + "', expected '" +
                            std::string(expected_embedder_name) + "'");
  }
  if (expected_dimension != 0 && header.dimension != static_cast<uint32_t>(expected_dimension)) {
    return Status::Conflict("index file " + path + " has dimension " +
                            std::to_string(header.dimension) + ", expected " +
                            std::to_string(expected_dimension));
  }
  return Status::Ok();
}

Status IndexFileReader::ExpectEnd() const {
  if (remaining() != 0) return Corrupt(state_->path, "unexpected bytes after the payload");
  return Status::Ok();
}

}  // namespace memoryd
