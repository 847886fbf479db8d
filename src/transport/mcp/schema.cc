#include "transport/mcp/schema.h"

#include <cmath>
#include <string>

#include "codec/json_codec.h"
#include "codec/json_text.h"

namespace memoryd::mcp {
namespace json = boost::json;
namespace {

std::string Quote(const std::string& path) { return "'" + path + "'"; }

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

bool IsInteger(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.get_double()) &&
         v.get_double() == std::trunc(v.get_double());
}

bool HasType(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return IsInteger(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  return false;
}

std::string Article(std::string_view type) {
  if (type == "integer" || type == "object" || type == "array") return "an " + std::string(type);
  if (type == "null") return "null";
  return "a " + std::string(type);
}

Status CheckType(const json::value& types, const json::value& v, const std::string& path) {
  std::string expected;
  if (types.is_string()) {
    if (HasType(v, types.get_string())) return Status::Ok();
    expected = Article(types.get_string());
  } else if (types.is_array()) {
    for (const auto& t : types.get_array()) {
      if (t.is_string() && HasType(v, t.get_string())) return Status::Ok();
      if (!expected.empty()) expected += " or ";
      expected += t.is_string() ? Article(t.get_string()) : "?";
    }
  } else {
    return Status::Ok();
  }
  return Status::InvalidArgument(Quote(path) + " must be " + expected);
}

double Number(const json::value& v) { return v.is_number() ? v.to_number<double>() : 0; }

std::string NumberText(const json::value& v) { return codec::SerializeJson(v); }

// Number of Unicode code points: limits in schemas count characters, not bytes.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

Status Validate(const json::object& schema, const json::value& v, const std::string& path);

Status CheckBounds(const json::object& schema, const json::value& v, const std::string& path) {
  if (v.is_number()) {
    if (const auto* min = schema.if_contains("minimum"); min && Number(v) < Number(*min)) {
      return Status::InvalidArgument(Quote(path) + " must be at least " + NumberText(*min));
    }
    if (const auto* min = schema.if_contains("exclusiveMinimum");
        min && Number(v) <= Number(*min)) {
      return Status::InvalidArgument(Quote(path) + " must be more than " + NumberText(*min));
    }
    if (const auto* max = schema.if_contains("maximum"); max && Number(v) > Number(*max)) {
      return Status::InvalidArgument(Quote(path) + " must be at most " + NumberText(*max));
    }
  }
  if (v.is_string()) {
    const size_t n = CodePoints(v.get_string());
    if (const auto* min = schema.if_contains("minLength"); min && n < Number(*min)) {
      return Status::InvalidArgument(Quote(path) + " must not be empty");
    }
    if (const auto* max = schema.if_contains("maxLength"); max && n > Number(*max)) {
      return Status::InvalidArgument(Quote(path) + " must be at most " + NumberText(*max) +
                                     " characters");
    }
  }
  if (v.is_array()) {
    const size_t n = v.get_array().size();
    if (const auto* min = schema.if_contains("minItems"); min && n < Number(*min)) {
      return Status::InvalidArgument(Quote(path) + " must hold at least " + NumberText(*min) +
                                     " item(s)");
    }
    if (const auto* max = schema.if_contains("maxItems"); max && n > Number(*max)) {
      return Status::InvalidArgument(Quote(path) + " may hold at most " + NumberText(*max) +
                                     " items");
    }
  }
  return Status::Ok();
}

Status CheckEnum(const json::object& schema, const json::value& v, const std::string& path) {
  const json::value* options = schema.if_contains("enum");
  if (options == nullptr || !options->is_array()) return Status::Ok();
  std::string listed;
  for (const auto& option : options->get_array()) {
    if (option == v) return Status::Ok();
    if (!listed.empty()) listed += ", ";
    listed += codec::SerializeJson(option);
  }
  return Status::InvalidArgument(Quote(path) + " must be one of " + listed);
}

Status CheckObject(const json::object& schema, const json::object& v, const std::string& path) {
  const json::value* properties = schema.if_contains("properties");
  const json::object* props = properties ? properties->if_object() : nullptr;
  if (const auto* required = schema.if_contains("required"); required && required->is_array()) {
    for (const auto& name : required->get_array()) {
      if (!name.is_string()) continue;
      const json::value* field = v.if_contains(name.get_string());
      if (field == nullptr || field->is_null()) {
        return Status::InvalidArgument(Quote(Join(path, name.get_string())) + " is required");
      }
    }
  }
  const json::value* extra = schema.if_contains("additionalProperties");
  for (const auto& [name, value] : v) {
    const std::string field_path = Join(path, name);
    const json::value* declared = props ? props->if_contains(name) : nullptr;
    if (declared != nullptr && declared->is_object()) {
      // An optional argument given as null means "not given".
      if (value.is_null()) continue;
      if (Status s = Validate(declared->get_object(), value, field_path); !s.ok()) return s;
    } else if (extra != nullptr && extra->is_object()) {
      if (Status s = Validate(extra->get_object(), value, field_path); !s.ok()) return s;
    } else if (extra != nullptr && extra->is_bool() && !extra->get_bool()) {
      std::string allowed;
      for (const auto& p : props ? *props : json::object()) {
        allowed += allowed.empty() ? "" : ", ";
        allowed += p.key();
      }
      return Status::InvalidArgument("unknown argument " + Quote(field_path) +
                                     (allowed.empty() ? "" : "; the arguments are: " + allowed));
    }
  }
  return Status::Ok();
}

Status Validate(const json::object& schema, const json::value& v, const std::string& path) {
  if (const auto* types = schema.if_contains("type")) {
    if (Status s = CheckType(*types, v, path); !s.ok()) return s;
  }
  if (Status s = CheckEnum(schema, v, path); !s.ok()) return s;
  if (Status s = CheckBounds(schema, v, path); !s.ok()) return s;
  if (v.is_object()) return CheckObject(schema, v.get_object(), path);
  if (v.is_array()) {
    const json::value* items = schema.if_contains("items");
    if (items == nullptr || !items->is_object()) return Status::Ok();
    size_t i = 0;
    for (const auto& item : v.get_array()) {
      const std::string item_path = path + "[" + std::to_string(i++) + "]";
      if (Status s = Validate(items->get_object(), item, item_path); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateArguments(const json::object& schema, const json::value& arguments) {
  if (!arguments.is_object()) return Status::InvalidArgument("'arguments' must be an object");
  MEMORYD_RETURN_IF_ERROR(codec::RequireFiniteNumbers(arguments, "'arguments'"));
  return CheckObject(schema, arguments.get_object(), "");
}

}  // namespace memoryd::mcp
