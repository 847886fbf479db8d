#include "dataio/export_format.h"

#include <openssl/sha.h>

#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>

#include "codec/json_codec.h"
#include "codec/json_text.h"
#include "core/time_format.h"
#include "service/validation.h"

namespace memoryd::dataio {
namespace {

namespace json = boost::json;

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Deep enough for real metadata, as the HTTP API allows.
constexpr std::size_t kMaxJsonDepth = 32;
// The largest vector an embedder may produce (as --embed-dimension).
constexpr size_t kMaxDimension = 65536;

int Base64Value(char c) {
  const size_t at = kBase64.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = 0;
    for (size_t j = 0; j < 3; ++j) {
      group = (group << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    }
    for (size_t j = 0; j < 4; ++j) {
      out += j <= n ? kBase64[(group >> (18 - 6 * j)) & 63] : '=';
    }
  }
  return out;
}

// Padded base64 only (what EncodeVector writes); nullopt on anything else.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t group = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int v = i >= text.size() - pad ? 0 : Base64Value(text[i]);
    if (v < 0) return std::nullopt;
    group = (group << 6) | static_cast<uint32_t>(v);
    if (i % 4 != 3) continue;
    for (int shift = 16; shift >= 0; shift -= 8) out += static_cast<char>((group >> shift) & 0xff);
    group = 0;
  }
  out.resize(out.size() - pad);
  return out;
}

uint32_t ToLittleEndian(uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24);
}

Status AtField(std::string_view field, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), "'" + std::string(field) + "': " + s.message());
}

Result<json::object> ParseLine(std::string_view line) {
  MEMORYD_ASSIGN_OR_RETURN(json::value value, codec::ParseStrictJson(line, "", kMaxJsonDepth));
  if (!value.is_object()) return Status::InvalidArgument("not a JSON object");
  return std::move(value.as_object());
}

Result<std::optional<int64_t>> OptionalTime(const codec::ObjectReader& reader,
                                            std::string_view field) {
  MEMORYD_ASSIGN_OR_RETURN(auto text, reader.OptionalString(field));
  if (!text) return std::optional<int64_t>();
  auto millis = ParseIsoMillis(*text);
  if (!millis) {
    return Status::InvalidArgument("'" + std::string(field) +
                                   "' must be an ISO-8601 time such as 2026-05-11T12:00:00.000Z");
  }
  return millis;
}

// A stable id for a record that brings none: a version-8 UUID from a hash of what identifies
// the memory, so importing the same file again finds the same memory.
std::string DerivedId(const Memory& m) {
  std::string identity = "memoryd-import";
  identity += '\0' + m.space + '\0';
  identity += m.key ? "k" + *m.key : "t" + m.text;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(identity.data()), identity.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x80);  // version 8
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[digest[i] >> 4];
    id += kHex[digest[i] & 15];
  }
  return id;
}

Status ReadContent(const codec::ObjectReader& reader, const ServiceOptions& limits, Memory& m) {
  MEMORYD_ASSIGN_OR_RETURN(m.space, reader.RequiredString("space"));
  MEMORYD_RETURN_IF_ERROR(AtField("space", ValidateSpaceName(m.space, limits)));
  MEMORYD_ASSIGN_OR_RETURN(m.key, reader.OptionalString("key"));
  if (m.key) MEMORYD_RETURN_IF_ERROR(ValidateKey(*m.key, limits));
  MEMORYD_ASSIGN_OR_RETURN(auto title, reader.OptionalString("title"));
  m.title = title.value_or("");
  if (static_cast<int64_t>(m.title.size()) > limits.max_title_bytes) {
    return Status::TooLarge("'title' is larger than " + std::to_string(limits.max_title_bytes) +
                            " bytes");
  }
  MEMORYD_ASSIGN_OR_RETURN(m.text, reader.RequiredString("text"));
  MEMORYD_RETURN_IF_ERROR(ValidateText(m.text, limits, "text"));
  MEMORYD_ASSIGN_OR_RETURN(m.tags, reader.StringArray("tags"));
  MEMORYD_RETURN_IF_ERROR(NormalizeTags(m.tags, limits));
  MEMORYD_ASSIGN_OR_RETURN(auto metadata, reader.OptionalObjectText("metadata"));
  m.metadata_json = metadata.value_or("{}");
  if (static_cast<int64_t>(m.metadata_json.size()) > limits.max_metadata_bytes) {
    return Status::TooLarge("'metadata' is larger than " +
                            std::to_string(limits.max_metadata_bytes) + " bytes");
  }
  return Status::Ok();
}

Status ReadTimes(const codec::ObjectReader& reader, const ExportHeader& header, Memory& m) {
  MEMORYD_ASSIGN_OR_RETURN(auto created, OptionalTime(reader, "createdAt"));
  MEMORYD_ASSIGN_OR_RETURN(auto updated, OptionalTime(reader, "updatedAt"));
  MEMORYD_ASSIGN_OR_RETURN(m.expires_at, OptionalTime(reader, "expiresAt"));
  m.created_at = created.value_or(header.exported_at);
  m.updated_at = updated.value_or(m.created_at);
  return Status::Ok();
}

Status ReadEmbedding(const codec::ObjectReader& reader, MemoryRecord& rec) {
  MEMORYD_ASSIGN_OR_RETURN(auto embedding, reader.OptionalString("embedding"));
  MEMORYD_ASSIGN_OR_RETURN(auto embedder, reader.OptionalString("embedder"));
  if (embedding.has_value() != embedder.has_value()) {
    return Status::InvalidArgument("'embedding' and 'embedder' go together");
  }
  if (!embedding) return Status::Ok();
  if (embedder->empty()) return Status::InvalidArgument("'embedder' must not be empty");
  MEMORYD_ASSIGN_OR_RETURN(rec.embedding, DecodeVector(*embedding));
  rec.embedder = std::move(*embedder);
  return Status::Ok();
}

}  // namespace

std::string EncodeHeader(int64_t exported_at) {
  std::string out = "{\"format\":";
  codec::AppendJsonString(out, kFormatName);
  out += ",\"version\":" + std::to_string(kFormatVersion) + ",\"exportedAt\":";
  codec::AppendJsonTimestamp(out, exported_at);
  out += ",\"memoryd\":";
  codec::AppendJsonString(out, MEMORYD_VERSION);
  out += '}';
  return out;
}

Result<ExportHeader> DecodeHeader(std::string_view line) {
  const Status not_header = Status::InvalidArgument(
      "not a memoryd export: the first line must be a header such as "
      "{\"format\":\"memoryd-export\",\"version\":1,...}");
  auto object = ParseLine(line);
  if (!object.ok()) return not_header;
  const codec::ObjectReader reader(*object);
  auto format = reader.OptionalString("format");
  if (!format.ok() || format->value_or("") != kFormatName) return not_header;
  MEMORYD_ASSIGN_OR_RETURN(auto version, reader.OptionalInteger("version"));
  if (!version || *version < 1) return Status::InvalidArgument("'version' must be 1 or more");
  if (*version > kFormatVersion) {
    return Status::InvalidArgument("export format version " + std::to_string(*version) +
                                   " is newer than this memoryd reads (" +
                                   std::to_string(kFormatVersion) + "): use a newer memoryd");
  }
  ExportHeader header;
  header.version = *version;
  MEMORYD_ASSIGN_OR_RETURN(auto exported, OptionalTime(reader, "exportedAt"));
  if (!exported) return Status::InvalidArgument("'exportedAt' is missing");
  header.exported_at = *exported;
  return header;
}

std::string EncodeRecord(const MemoryRecord& record) {
  const Memory& m = record.memory;
  std::string out = "{\"id\":";
  codec::AppendJsonString(out, m.id);
  out += ",\"space\":";
  codec::AppendJsonString(out, m.space);
  out += ",\"key\":";
  if (m.key) {
    codec::AppendJsonString(out, *m.key);
  } else {
    out += "null";
  }
  out += ",\"title\":";
  codec::AppendJsonString(out, m.title);
  out += ",\"text\":";
  codec::AppendJsonString(out, m.text);
  out += ",\"tags\":";
  codec::AppendJsonStrings(out, m.tags);
  out += ",\"metadata\":";
  codec::AppendJsonMetadata(out, m.metadata_json);
  out += ",\"createdAt\":";
  codec::AppendJsonTimestamp(out, m.created_at);
  out += ",\"updatedAt\":";
  codec::AppendJsonTimestamp(out, m.updated_at);
  out += ",\"expiresAt\":";
  codec::AppendJsonTimestamp(out, m.expires_at);
  if (!record.embedding.empty()) {
    out += ",\"embedding\":\"" + EncodeVector(record.embedding) + "\",\"embedder\":";
    codec::AppendJsonString(out, record.embedder);
  }
  out += '}';
  return out;
}

Result<MemoryRecord> DecodeRecord(std::string_view line, const ExportHeader& header,
                                  const ServiceOptions& limits) {
  MEMORYD_ASSIGN_OR_RETURN(auto object, ParseLine(line));
  const codec::ObjectReader reader(object);
  MEMORYD_RETURN_IF_ERROR(
      reader.AllowOnly({"id", "space", "key", "title", "text", "tags", "metadata", "createdAt",
                        "updatedAt", "expiresAt", "embedding", "embedder"}));
  MemoryRecord rec;
  Memory& m = rec.memory;
  MEMORYD_RETURN_IF_ERROR(ReadContent(reader, limits, m));
  MEMORYD_RETURN_IF_ERROR(ReadTimes(reader, header, m));
  MEMORYD_RETURN_IF_ERROR(ReadEmbedding(reader, rec));
  MEMORYD_ASSIGN_OR_RETURN(auto id, reader.OptionalString("id"));
  if (id && !IsUuid(*id)) {
    return Status::InvalidArgument(
        "'id' must be a UUID such as 0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5f");
  }
  rec.derived_id = !id;
  m.id = id ? std::move(*id) : DerivedId(m);
  return rec;
}

std::string EncodeVector(const std::vector<float>& vector) {
  std::string bytes(vector.size() * sizeof(float), '\0');
  for (size_t i = 0; i < vector.size(); ++i) {
    const uint32_t le = ToLittleEndian(std::bit_cast<uint32_t>(vector[i]));
    std::memcpy(bytes.data() + i * sizeof(float), &le, sizeof(le));
  }
  return Base64Encode(bytes);
}

Result<std::vector<float>> DecodeVector(std::string_view base64) {
  auto bytes = Base64Decode(base64);
  if (!bytes || bytes->empty() || bytes->size() % sizeof(float) != 0) {
    return Status::InvalidArgument("'embedding' must be base64 of little-endian float32 values");
  }
  std::vector<float> vector(bytes->size() / sizeof(float));
  if (vector.size() > kMaxDimension) {
    return Status::TooLarge("'embedding' has more than " + std::to_string(kMaxDimension) +
                            " dimensions");
  }
  for (size_t i = 0; i < vector.size(); ++i) {
    uint32_t le = 0;
    std::memcpy(&le, bytes->data() + i * sizeof(float), sizeof(le));
    vector[i] = std::bit_cast<float>(ToLittleEndian(le));
    if (!std::isfinite(vector[i])) {
      return Status::InvalidArgument("'embedding' holds a value that is not a finite number");
    }
  }
  return vector;
}

bool IsUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

}  // namespace memoryd::dataio
