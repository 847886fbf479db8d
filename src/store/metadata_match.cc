#include "store/metadata_match.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace memoryd {
namespace {

namespace json = boost::json;

bool IsNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

// Numbers compare by value across Boost.JSON's three number kinds.
bool NumbersEqual(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  // One signed, one unsigned: Boost.JSON only uses uint64 above INT64_MAX.
  const json::value& s = a.is_int64() ? a : b;
  const json::value& u = a.is_int64() ? b : a;
  return s.get_int64() >= 0 && static_cast<uint64_t>(s.get_int64()) == u.get_uint64();
}

bool ValuesEqual(const json::value& a, const json::value& b) {
  if (IsNumber(a) && IsNumber(b)) return NumbersEqual(a, b);
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& member : x) {
      const json::value* other = y.if_contains(member.key());
      if (other == nullptr || !ValuesEqual(member.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!ValuesEqual(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;  // strings, booleans, null
}

}  // namespace

bool IsJsonValue(std::string_view text) {
  boost::system::error_code ec;
  (void)json::parse(text, ec);
  return !ec;
}

bool MetadataFieldEquals(std::string_view metadata_json, std::string_view key,
                         std::string_view json_value) {
  boost::system::error_code ec;
  const json::value metadata = json::parse(metadata_json, ec);
  if (ec || !metadata.is_object()) return false;
  const json::value* field = metadata.get_object().if_contains(key);
  if (field == nullptr) return false;
  const json::value wanted = json::parse(json_value, ec);
  if (ec) return false;
  return ValuesEqual(*field, wanted);
}

}  // namespace memoryd
