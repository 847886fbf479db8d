#include "codec/json_text.h"

#include <array>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

#include "codec/json_codec.h"
#include "core/time_format.h"

namespace memoryd::codec {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The escape boost::json uses for each byte: 0 for none, 'u' for \u00xx, else the letter after
// '\'. A table, because this runs for every byte of every string of an answer.
constexpr std::array<char, 256> MakeEscapes() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\t'] = 't';
  table['\n'] = 'n';
  table['\f'] = 'f';
  table['\r'] = 'r';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}
constexpr std::array<char, 256> kEscapes = MakeEscapes();

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  out.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const char escape = kEscapes[c];
    if (escape == 0) continue;
    out.append(value.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    if (escape != 'u') {
      out.push_back(escape);
      continue;
    }
    const char code[] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
    out.append(code, sizeof(code));
  }
  out.append(value.data() + run, value.size() - run);
  out.push_back('"');
}

void AppendJsonStrings(std::string& out, const std::vector<std::string>& values) {
  out.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, values[i]);
  }
  out.push_back(']');
}

void AppendJsonTimestamp(std::string& out, std::optional<int64_t> millis) {
  if (!millis) {
    out.append("null");
    return;
  }
  out.push_back('"');
  out.append(FormatIsoMillis(*millis));  // digits, '-', ':', '.', 'T', 'Z': nothing to escape
  out.push_back('"');
}

void AppendJsonMetadata(std::string& out, const std::string& metadata_json) {
  // Most memories carry no metadata; "{}" re-serialises to itself.
  if (metadata_json == "{}") {
    out.append("{}");
    return;
  }
  AppendJson(out, MetadataValue(metadata_json));
}

namespace {

template <typename Number>
void AppendNumber(std::string& out, Number n) {
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, end);
}

void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out.append("null");
    return;
  }
  // The shortest form that reads back as the same double: "0.953", "1e-07", "12". A whole
  // number gets ".0", so that it still reads back as a double and not as an integer.
  const size_t start = out.size();
  AppendNumber(out, d);
  if (out.find_first_of(".e", start) == std::string::npos) out.append(".0");
}

}  // namespace

void AppendJson(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out.append("null");
      return;
    case boost::json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      return;
    case boost::json::kind::int64:
      AppendNumber(out, value.get_int64());
      return;
    case boost::json::kind::uint64:
      AppendNumber(out, value.get_uint64());
      return;
    case boost::json::kind::double_:
      AppendDouble(out, value.get_double());
      return;
    case boost::json::kind::string:
      AppendJsonString(out, value.get_string());
      return;
    case boost::json::kind::array:
      AppendJson(out, value.get_array());
      return;
    case boost::json::kind::object:
      AppendJson(out, value.get_object());
      return;
  }
}

void AppendJson(std::string& out, const boost::json::object& object) {
  out.push_back('{');
  bool first = true;
  for (const auto& member : object) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, member.key());
    out.push_back(':');
    AppendJson(out, member.value());
  }
  out.push_back('}');
}

void AppendJson(std::string& out, const boost::json::array& array) {
  out.push_back('[');
  bool first = true;
  for (const auto& element : array) {
    if (!first) out.push_back(',');
    first = false;
    AppendJson(out, element);
  }
  out.push_back(']');
}

std::string SerializeJson(const boost::json::value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

std::string SerializeJson(const boost::json::object& object) {
  std::string out;
  AppendJson(out, object);
  return out;
}

std::string SerializeJson(const boost::json::array& array) {
  std::string out;
  AppendJson(out, array);
  return out;
}

}  // namespace memoryd::codec
