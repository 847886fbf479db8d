#include "codec/json_codec.h"

#include <charconv>
#include <cmath>

#include "codec/json_text.h"
#include "core/time_format.h"

namespace memoryd::codec {
namespace {

// Depth large enough for real metadata, small enough that hostile nesting is cheap to reject.
constexpr std::size_t kMaxJsonDepth = 32;

std::string Quote(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '\'';
  out.append(name);
  out += '\'';
  return out;
}

Status WrongType(std::string_view name, std::string_view expected) {
  return Status::InvalidArgument(Quote(name) + " must be " + std::string(expected));
}

}  // namespace

namespace {

// Object members written in `text` (valid JSON): every string in a key position.
size_t MembersWritten(std::string_view text) {
  std::vector<char> open;  // '{' or '['
  bool key_next = false;
  size_t members = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    switch (text[i]) {
      case '"':
        if (key_next) ++members;
        key_next = false;
        for (++i; i < text.size() && text[i] != '"'; ++i) {
          if (text[i] == '\\') ++i;
        }
        break;
      case '{':
        open.push_back('{');
        key_next = true;
        break;
      case '[':
        open.push_back('[');
        key_next = false;
        break;
      case '}':
      case ']':
        if (!open.empty()) open.pop_back();
        key_next = false;
        break;
      case ',':
        key_next = !open.empty() && open.back() == '{';
        break;
      default:
        break;
    }
  }
  return members;
}

size_t MembersKept(const json::value& v) {
  size_t n = 0;
  if (const json::object* o = v.if_object()) {
    n += o->size();
    for (const auto& member : *o) n += MembersKept(member.value());
  } else if (const json::array* a = v.if_array()) {
    for (const auto& item : *a) n += MembersKept(item);
  }
  return n;
}

}  // namespace

Status CheckDistinctMembers(std::string_view text, const json::value& parsed) {
  // The parser keeps one member per name; fewer members kept than written means a name was
  // repeated somewhere (which one a reader would take is ambiguous).
  if (MembersWritten(text) != MembersKept(parsed)) {
    return Status::InvalidArgument("a JSON object names the same member twice");
  }
  return Status::Ok();
}

Result<json::value> ParseStrictJson(std::string_view text, std::string_view what,
                                    std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) {
    const std::string subject = what.empty() ? "" : std::string(what) + " is ";
    return Status::InvalidArgument(subject + "not valid JSON: " + ec.message());
  }
  MEMORYD_RETURN_IF_ERROR(CheckDistinctMembers(text, value));
  return value;
}

Result<json::value> ParseJson(std::string_view body) {
  if (body.empty()) return Status::InvalidArgument("request body is empty; expected JSON");
  return ParseStrictJson(body, "request body", kMaxJsonDepth);
}

Result<json::object> ParseObject(std::string_view body) {
  MEMORYD_ASSIGN_OR_RETURN(json::value value, ParseJson(body));
  if (!value.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return std::move(value.as_object());
}

Status ObjectReader::AllowOnly(std::initializer_list<std::string_view> allowed) const {
  for (const auto& field : object_) {
    bool known = false;
    for (auto name : allowed) known = known || field.key() == name;
    if (!known) return Status::InvalidArgument("unknown field " + Quote(field.key()));
  }
  return Status::Ok();
}

Result<std::string> ObjectReader::RequiredString(std::string_view name) const {
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return Status::InvalidArgument(Quote(name) + " is required");
  if (!v->is_string()) return WrongType(name, "a string");
  return std::string(v->get_string());
}

Result<std::optional<std::string>> ObjectReader::OptionalString(std::string_view name) const {
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return WrongType(name, "a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::optional<double>> ObjectReader::OptionalNumber(std::string_view name) const {
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return std::optional<double>();
  if (!v->is_number()) return WrongType(name, "a number");
  return std::optional<double>(v->to_number<double>());
}

Result<std::optional<int64_t>> ObjectReader::OptionalInteger(std::string_view name) const {
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v->get_uint64()));
  }
  if (v->is_double()) {
    // Range first: casting an out-of-range double to an integer is undefined behaviour.
    const double d = v->get_double();
    if (d > -9e18 && d < 9e18 && d == std::trunc(d)) {
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
  }
  return WrongType(name, "an integer");
}

Result<std::optional<bool>> ObjectReader::OptionalBool(std::string_view name) const {
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return WrongType(name, "true or false");
  return std::optional<bool>(v->get_bool());
}

Result<std::vector<std::string>> ObjectReader::StringArray(std::string_view name) const {
  std::vector<std::string> out;
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return WrongType(name, "an array of strings");
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return WrongType(name, "an array of strings");
    out.emplace_back(item.get_string());
  }
  return out;
}

Result<std::optional<std::string>> ObjectReader::OptionalObjectText(std::string_view name) const {
  const json::value* v = Find(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_object()) return WrongType(name, "a JSON object");
  MEMORYD_RETURN_IF_ERROR(RequireFiniteNumbers(*v, "'" + std::string(name) + "'"));
  return std::optional<std::string>(SerializeJson(*v));
}

namespace {

bool AllFinite(const json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& item : v.get_array()) {
      if (!AllFinite(item)) return false;
    }
  }
  if (v.is_object()) {
    for (const auto& member : v.get_object()) {
      if (!AllFinite(member.value())) return false;
    }
  }
  return true;
}

}  // namespace

Status RequireFiniteNumbers(const json::value& value, std::string_view what) {
  if (AllFinite(value)) return Status::Ok();
  return Status::InvalidArgument(std::string(what) +
                                 " holds a number too large for JSON (beyond 1.8e308)");
}

json::value TimestampValue(std::optional<int64_t> millis) {
  if (!millis) return nullptr;
  return json::value(FormatIsoMillis(*millis));
}

json::array StringsValue(const std::vector<std::string>& strings) {
  json::array out;
  out.reserve(strings.size());
  for (const auto& s : strings) out.emplace_back(s);
  return out;
}

json::value MetadataValue(const std::string& metadata_json) {
  boost::system::error_code ec;
  json::value v = json::parse(metadata_json, ec);
  if (ec || !v.is_object()) return json::object();
  return v;
}

}  // namespace memoryd::codec
