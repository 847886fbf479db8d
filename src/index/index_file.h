// IndexFile: the on-disk container that every saved index (vector or keyword) is written into.
//
// Layout (all integers little-endian):
//   magic "MEMDVIDX" (8 bytes) | u32 format version | u32 index kind | u32 dimension |
//   u32 embedder name length | u64 vector count | embedder name bytes |
//   payload (implementation-defined) |
//   trailer: u64 payload size | XXH3-64 of every byte before the digest (u64).
// The digest covers the header and the payload, so any flipped or missing byte is detected before
// an implementation parses its payload.
//
// IndexFileWriter writes to a temporary file beside the target and renames it into place only on
// Commit(), after fsync; an abandoned writer removes its temporary file. IndexFileReader maps the
// file, verifies the digest over the mapping in Open() and then hands out payload bytes.
//
// Thread-safety: a writer or reader object is used by one thread at a time. Distinct objects are
// independent; two writers to the same path race benignly (the last rename wins, both complete).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace memoryd {

enum class IndexKind : uint32_t {
  kBruteForce = 1,
  kHnsw = 2,
  kKeyword = 3,  // a space's keyword index and expiry times (search/space_index.h)
};

struct IndexFileHeader {
  IndexKind kind = IndexKind::kBruteForce;
  uint32_t dimension = 0;     // 0 for kKeyword
  uint64_t count = 0;         // live vectors; informational, implementations re-check it
  std::string embedder_name;  // Embedder::Name() of the model that produced the vectors
};

class IndexFileWriter {
 public:
  // Opens a temporary file next to `path` and writes the header. Returns kInvalidArgument when
  // the embedder name is longer than 4 KiB; kInternal on I/O failure.
  static Result<std::unique_ptr<IndexFileWriter>> Create(const std::string& path,
                                                         const IndexFileHeader& header);
  ~IndexFileWriter();  // removes the temporary file unless Commit() succeeded
  IndexFileWriter(const IndexFileWriter&) = delete;
  IndexFileWriter& operator=(const IndexFileWriter&) = delete;

  // Appends payload bytes. Returns kInternal on I/O failure.
  Status Append(const void* data, size_t size);
  template <typename T>
  Status AppendPod(const T& value) {
    return Append(&value, sizeof(T));
  }

  // Writes the trailer, fsyncs, renames over the target path and fsyncs the directory.
  // Returns kInternal on I/O failure (the target is then left as it was).
  Status Commit();

 private:
  struct State;

 public:
  // Use Create(); the state type is private, so only Create() can build one.
  explicit IndexFileWriter(std::unique_ptr<State> state);

 private:
  Status WriteRaw(const void* data, size_t size);
  Status Flush();
  std::unique_ptr<State> state_;
};

class IndexFileReader {
 public:
  // Opens `path`, checks its size, magic, version and digest, and parses the header.
  // Returns kNotFound when the file does not exist; kInternal when it is truncated, corrupt,
  // of an unsupported version or unreadable.
  static Result<std::unique_ptr<IndexFileReader>> Open(const std::string& path);
  ~IndexFileReader();
  IndexFileReader(const IndexFileReader&) = delete;
  IndexFileReader& operator=(const IndexFileReader&) = delete;

  const IndexFileHeader& header() const;
  // Payload bytes not yet read. Never fails.
  uint64_t remaining() const;

  // Copies the next `size` payload bytes into `out`. Returns kInternal when fewer remain or the
  // file cannot be read.
  Status Read(void* out, size_t size);
  template <typename T>
  Status ReadPod(T* value) {
    return Read(value, sizeof(T));
  }
  // Returns kInternal unless the payload has been consumed exactly.
  Status ExpectEnd() const;

 private:
  struct State;

 public:
  // Use Open(); the state type is private, so only Open() can build one.
  explicit IndexFileReader(std::unique_ptr<State> state);

 private:
  static Result<std::unique_ptr<IndexFileReader>> OpenUnguarded(const std::string& path);
  std::unique_ptr<State> state_;
};

// Collects a payload in memory, so an index can copy itself while holding its lock and write the
// file after releasing it. Append may throw std::bad_alloc; WriteIndexFile never throws.
class PayloadBuffer {
 public:
  void Append(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  template <typename T>
  void AppendPod(const T& value) {
    Append(&value, sizeof(T));
  }
  void Reserve(size_t size) { bytes_.reserve(size); }
  const std::vector<char>& bytes() const { return bytes_; }

 private:
  std::vector<char> bytes_;
};

// Writes `header` and `payload` to `path` atomically through an IndexFileWriter.
// Returns kInvalidArgument for an over-long embedder name; kInternal on I/O failure.
Status WriteIndexFile(const std::string& path, const IndexFileHeader& header,
                      const PayloadBuffer& payload);

// Checks a header read from `path` against what the caller needs. Returns kInternal when the
// dimension is outside [1, 65536]; kConflict when `expected_kind` is given and differs, or the
// embedder name or dimension differs from the expected ones (expected_dimension 0 accepts any).
Status CheckIndexFileHeader(const IndexFileHeader& header, const std::string& path,
                            std::string_view expected_embedder_name, int expected_dimension,
                            std::optional<IndexKind> expected_kind = std::nullopt);

}  // namespace memoryd
