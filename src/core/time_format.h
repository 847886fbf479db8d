// ISO-8601 timestamps as the APIs show them: "2026-05-11T12:00:00.000Z" (UTC, milliseconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memoryd {

// Formats milliseconds since the Unix epoch. Never fails.
std::string FormatIsoMillis(int64_t epoch_millis);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or "YYYY-MM-DD". Returns nullopt on anything else.
std::optional<int64_t> ParseIsoMillis(std::string_view text);

}  // namespace memoryd
