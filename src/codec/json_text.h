// Writing JSON text: every answer and every stored JSON text goes through here.
//
// The Append* functions write straight into a string, for answers on the hot path where building
// a boost::json DOM and serialising it costs more than the request itself. SerializeJson writes
// a DOM. Both write byte-for-byte what boost::json::serialize writes, except for doubles, which
// boost::json 1.81 always writes with an exponent (9.53E-1, 1E0, 1E300): here a double is the
// shortest text that reads back as the same double (0.953, 1e-07, 1e+300), with ".0" added to a
// whole number (1.0, 2.0) so that it still reads as a double. A double that is not finite, which
// boost::json writes as an invalid "Infinity", is written as null (requests holding one are
// refused: RequireFiniteNumbers). json_text_test.cc checks all of it.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memoryd::codec {

// A JSON string: quotes, "\"" and "\\" escaped, control characters as \b \t \n \f \r or \u00xx,
// everything else (including UTF-8 and DEL) copied as is.
void AppendJsonString(std::string& out, std::string_view value);
// ["a","b"]
void AppendJsonStrings(std::string& out, const std::vector<std::string>& values);
// "2026-05-11T12:00:00.000Z", or null.
void AppendJsonTimestamp(std::string& out, std::optional<int64_t> millis);
// Stored metadata text as MetadataValue() shows it: the object re-serialised, {} if unreadable.
void AppendJsonMetadata(std::string& out, const std::string& metadata_json);
// Any JSON value.
void AppendJson(std::string& out, const boost::json::value& value);
void AppendJson(std::string& out, const boost::json::object& object);
void AppendJson(std::string& out, const boost::json::array& array);
std::string SerializeJson(const boost::json::value& value);
std::string SerializeJson(const boost::json::object& object);
std::string SerializeJson(const boost::json::array& array);

}  // namespace memoryd::codec
