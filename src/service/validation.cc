#include "service/validation.h"

#include <cmath>
#include <unordered_set>

#include "core/utf8.h"

namespace memoryd {
namespace {

constexpr double kMaxTtlMinutes = 100.0 * 366 * 24 * 60;

std::string Field(std::string_view field) {
  std::string out;
  out.reserve(field.size() + 2);
  out += '\'';
  out.append(field);
  out += '\'';
  return out;
}

}  // namespace

bool IsValidUtf8(std::string_view text) { return IsWellFormedUtf8(text); }

bool HasControlChar(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    // U+0080..U+009F (C1 controls) are encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

Status ValidateKey(std::string_view key, const ServiceOptions& opts, std::string_view field) {
  if (key.empty()) return Status::InvalidArgument(Field(field) + " must not be empty");
  if (static_cast<int64_t>(key.size()) > opts.max_key_bytes) {
    return Status::InvalidArgument(Field(field) + " is longer than " +
                                   std::to_string(opts.max_key_bytes) + " bytes");
  }
  if (!IsValidUtf8(key)) return Status::InvalidArgument(Field(field) + " is not valid UTF-8");
  if (HasControlChar(key)) {
    return Status::InvalidArgument(Field(field) + " must not contain control characters");
  }
  return Status::Ok();
}

Status ValidateSpaceName(std::string_view space, const ServiceOptions& opts) {
  if (space.empty()) return Status::InvalidArgument("space name must not be empty");
  if (static_cast<int64_t>(space.size()) > opts.max_space_bytes) {
    return Status::InvalidArgument("space name is longer than " +
                                   std::to_string(opts.max_space_bytes) + " bytes");
  }
  if (!IsValidUtf8(space) || HasControlChar(space) || space.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("space name must be UTF-8 without control characters or '/'");
  }
  return Status::Ok();
}

Status ValidateTag(std::string_view tag, const ServiceOptions& opts) {
  if (tag.empty()) return Status::InvalidArgument("tags must not be empty strings");
  if (static_cast<int64_t>(tag.size()) > opts.max_tag_bytes) {
    return Status::InvalidArgument("tag is longer than " + std::to_string(opts.max_tag_bytes) +
                                   " bytes");
  }
  if (!IsValidUtf8(tag) || HasControlChar(tag)) {
    return Status::InvalidArgument("tags must be UTF-8 without control characters");
  }
  return Status::Ok();
}

Status NormalizeTags(std::vector<std::string>& tags, const ServiceOptions& opts) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> unique;
  for (auto& tag : tags) {
    MEMORYD_RETURN_IF_ERROR(ValidateTag(tag, opts));
    if (seen.insert(tag).second) unique.push_back(std::move(tag));
  }
  if (static_cast<int64_t>(unique.size()) > opts.max_tags_per_memory) {
    return Status::InvalidArgument("a memory holds at most " +
                                   std::to_string(opts.max_tags_per_memory) + " tags");
  }
  tags = std::move(unique);
  return Status::Ok();
}

Status ValidateText(std::string_view text, const ServiceOptions& opts, std::string_view field) {
  if (static_cast<int64_t>(text.size()) > opts.max_value_bytes) {
    return Status::TooLarge(Field(field) + " is larger than the limit of " +
                            std::to_string(opts.max_value_bytes) + " bytes");
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument(Field(field) + " is not valid UTF-8");
  return Status::Ok();
}

Status ValidateTtlMinutes(double ttl) {
  if (!std::isfinite(ttl) || ttl <= 0) {
    return Status::InvalidArgument("'ttlMinutes' must be a positive number");
  }
  if (ttl > kMaxTtlMinutes) return Status::InvalidArgument("'ttlMinutes' is too large");
  return Status::Ok();
}

}  // namespace memoryd
