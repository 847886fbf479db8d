// JSON reading for both transports and the export format (Boost.JSON stays in codec/ and the
// transports).
// Readers check types and reject unknown fields, answering kInvalidArgument with a message that
// names the field; they never throw.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/memory.h"

namespace memoryd::codec {

namespace json = boost::json;

// Parses a request body that must be a JSON object.
Result<json::object> ParseObject(std::string_view body);
// kInvalidArgument when an object of `text` (which parsed into `parsed`) repeats a member name:
// ParseJson and the MCP message parser refuse such input instead of silently keeping one.
Status CheckDistinctMembers(std::string_view text, const json::value& parsed);
// Parses any JSON document.
Result<json::value> ParseJson(std::string_view body);
// Parses `text` at most `max_depth` levels deep, refusing repeated member names: what every
// JSON reader of untrusted input uses. Errors read "<what> is not valid JSON: ..." ("not valid
// JSON: ..." when `what` is empty).
Result<json::value> ParseStrictJson(std::string_view text, std::string_view what,
                                    std::size_t max_depth = 32);
// kInvalidArgument naming `what` when `value` holds a number JSON cannot carry: the parser reads
// 1e400 as infinity, which no JSON text can hold.
Status RequireFiniteNumbers(const json::value& value, std::string_view what);

// Typed access to one JSON object's fields.
class ObjectReader {
 public:
  explicit ObjectReader(const json::object& object) : object_(object) {}

  // kInvalidArgument naming the first field not in `allowed`.
  Status AllowOnly(std::initializer_list<std::string_view> allowed) const;
  Result<std::string> RequiredString(std::string_view name) const;
  // nullopt when absent or null.
  Result<std::optional<std::string>> OptionalString(std::string_view name) const;
  Result<std::optional<double>> OptionalNumber(std::string_view name) const;
  Result<std::optional<int64_t>> OptionalInteger(std::string_view name) const;
  Result<std::optional<bool>> OptionalBool(std::string_view name) const;
  // Empty when absent or null.
  Result<std::vector<std::string>> StringArray(std::string_view name) const;
  // The object serialised, or nullopt when absent or null; kInvalidArgument if not an object.
  Result<std::optional<std::string>> OptionalObjectText(std::string_view name) const;
  const json::value* Find(std::string_view name) const { return object_.if_contains(name); }

 private:
  const json::object& object_;
};

// "2026-05-11T12:00:00.000Z", or null.
json::value TimestampValue(std::optional<int64_t> millis);
json::array StringsValue(const std::vector<std::string>& strings);
// The stored metadata text as a JSON value ({} if it cannot be parsed).
json::value MetadataValue(const std::string& metadata_json);

}  // namespace memoryd::codec
