// Writing JSON text straight into a string, for answers on the hot path where building a
// boost::json DOM and serialising it costs more than the request itself. Everything written
// here is byte-for-byte what boost::json::serialize writes for the same value, so a route can
// switch between the two without changing its answers (json_text_test.cc checks this).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memoryd::http {

// A JSON string: quotes, "\"" and "\\" escaped, control characters as \b \t \n \f \r or \u00xx,
// everything else (including UTF-8 and DEL) copied as is.
void AppendJsonString(std::string& out, std::string_view value);
// ["a","b"]
void AppendJsonStrings(std::string& out, const std::vector<std::string>& values);
// "2026-05-11T12:00:00.000Z", or null.
void AppendJsonTimestamp(std::string& out, std::optional<int64_t> millis);
// Stored metadata text as MetadataValue() shows it: the object re-serialised, {} if unreadable.
void AppendJsonMetadata(std::string& out, const std::string& metadata_json);

}  // namespace memoryd::http
