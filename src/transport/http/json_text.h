// Writing JSON text: every answer and every stored JSON text goes through here.
//
// The Append* functions write straight into a string, for answers on the hot path where building
// a boost::json DOM and serialising it costs more than the request itself. SerializeJson writes
// a DOM. Both write byte-for-byte what boost::json::serialize writes, with one exception: a
// number with a fraction is written as the shortest decimal that reads back as the same double
// (0.953, 1e-07), where boost::json 1.81 always uses an exponent (9.53E-1). json_text_test.cc
// checks both.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
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
// Any JSON value. A double that is not finite (JSON has no such number) is written as null.
void AppendJson(std::string& out, const boost::json::value& value);
void AppendJson(std::string& out, const boost::json::object& object);
void AppendJson(std::string& out, const boost::json::array& array);
std::string SerializeJson(const boost::json::value& value);
std::string SerializeJson(const boost::json::object& object);
std::string SerializeJson(const boost::json::array& array);

}  // namespace memoryd::http
