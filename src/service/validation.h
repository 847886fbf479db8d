// Validation of user-supplied names and values, shared by every surface. Each function returns
// kInvalidArgument (or kTooLarge for sizes) with a message that names the field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "service/options.h"

namespace memoryd {

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);
// True when `text` holds a control character: C0 (U+0000..U+001F), DEL, or C1 (U+0080..U+009F).
bool HasControlChar(std::string_view text);

Status ValidateKey(std::string_view key, const ServiceOptions& opts,
                   std::string_view field = "key");
Status ValidateSpaceName(std::string_view space, const ServiceOptions& opts);
Status ValidateTag(std::string_view tag, const ServiceOptions& opts);
// Validates each tag and the count, and collapses duplicates keeping first occurrences.
Status NormalizeTags(std::vector<std::string>& tags, const ServiceOptions& opts);
Status ValidateText(std::string_view text, const ServiceOptions& opts, std::string_view field);
// ttl in minutes: finite, > 0, at most 100 years.
Status ValidateTtlMinutes(double ttl);

}  // namespace memoryd
