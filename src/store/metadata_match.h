// Metadata conditions of a SearchFilter, evaluated the same way by every Store implementation
// (InMemoryStore calls it directly; SqlStore registers it as the SQL function
// metadata_equals(metadata, key, json_value)).
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

namespace memoryd {

// Whether the top-level field `key` of the JSON object `metadata_json` equals the JSON value
// `json_value`. Equality is JSON value equality: numbers compare by value (1 equals 1.0), true
// is not 1, objects compare member by member whatever their order, arrays element by element,
// and a string never equals an object. A missing field equals nothing, not even null. `key` is
// matched exactly, whatever characters it holds. Returns false when either text is not valid
// JSON or `metadata_json` is not an object.
bool MetadataFieldEquals(std::string_view metadata_json, std::string_view key,
                         std::string_view json_value);

// Whether `text` is one valid JSON value (a condition whose value is not matches nothing; a
// database comparing JSON itself is never handed one).
bool IsJsonValue(std::string_view text);

}  // namespace memoryd
