#include "transport/http/json_text.h"

#include <array>
#include <boost/json/serialize.hpp>

#include "core/time_format.h"
#include "transport/http/json_codec.h"

namespace memoryd::http {
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
  out.append(boost::json::serialize(MetadataValue(metadata_json)));
}

}  // namespace memoryd::http
