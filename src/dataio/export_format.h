// The export format of `memoryd export` and `memoryd import`: JSON Lines, a header object on
// the first line, then one memory per line (README.md, "The export format", describes every field).
//
//   {"format":"memoryd-export","version":1,"exportedAt":"2026-05-11T12:00:00.000Z",
//    "memoryd":"0.1.0"}
//   {"id":"…","space":"default","key":null,"title":"","text":"…","tags":[],"metadata":{},
//    "createdAt":"…","updatedAt":"…","expiresAt":null}
//
// With embeddings, a memory line also has "embedding" (base64 of the vector's little-endian
// float32 values) and "embedder" (the name of the embedder that made it).
//
// Readers are strict: a line that is not exactly a valid record is refused with a message that
// names the field, so an import can stop before writing anything.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/memory_record.h"
#include "service/options.h"

namespace memoryd::dataio {

inline constexpr std::string_view kFormatName = "memoryd-export";
// Raised when a reader of an older version could misread a newer file; a reader accepts every
// version up to its own.
inline constexpr int64_t kFormatVersion = 1;

struct ExportHeader {
  int64_t version = kFormatVersion;
  int64_t exported_at = 0;  // ms since epoch
};

// The header line (without a newline).
std::string EncodeHeader(int64_t exported_at);
// kInvalidArgument when the line is not a header of this format, or kUnimplemented-like
// kInvalidArgument naming both versions when it is of a newer version than this memoryd reads.
Result<ExportHeader> DecodeHeader(std::string_view line);

// One memory line (without a newline). The embedding is written only when it is not empty.
std::string EncodeRecord(const MemoryRecord& record);

// Reads one memory line, checked against the service's limits (`limits`: sizes, names, tags).
// Optional fields: "key" (null), "title" (""), "tags" ([]), "metadata" ({}), "expiresAt" (null),
// "createdAt" (the header's exportedAt), "updatedAt" (createdAt), and "id": when absent, one is
// derived from the space and the key (or, without a key, the text), so a file written by another
// tool also imports idempotently. kInvalidArgument or kTooLarge naming the field.
Result<MemoryRecord> DecodeRecord(std::string_view line, const ExportHeader& header,
                                  const ServiceOptions& limits);

// A vector as base64 of its little-endian float32 values, and back. DecodeVector refuses text
// that is not base64 of a whole number of finite floats.
std::string EncodeVector(const std::vector<float>& vector);
Result<std::vector<float>> DecodeVector(std::string_view base64);

// True for a canonical UUID: 36 characters, hex digits and dashes at 8, 13, 18 and 23.
bool IsUuid(std::string_view id);

}  // namespace memoryd::dataio
