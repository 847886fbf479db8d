#include "transport/http/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <ostream>  // boost/beast/http/status.hpp needs it declared
#include <string_view>

namespace memoryd::http {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::string_view kCrlf = "\r\n";

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// Beast's set(): a name given again replaces the earlier field, which then moves to the end.
bool ReplacedLater(const Fields& headers, size_t index) {
  for (size_t j = index + 1; j < headers.size(); ++j) {
    if (SameName(headers[j].first, headers[index].first)) return true;
  }
  return false;
}

bool Overridden(const Fields& headers, std::string_view name) {
  for (const auto& field : headers) {
    if (SameName(field.first, name)) return true;
  }
  return false;
}

void AppendField(std::string_view name, std::string_view value, std::string& out) {
  out.append(name).append(": ").append(value).append(kCrlf);
}

void AppendNumber(uint64_t value, std::string& out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

}  // namespace

void AppendResponseHead(const HttpResponse& response, bool keep_alive, std::string& out) {
  const auto code = static_cast<unsigned>(response.status);
  out.append("HTTP/1.1 ");
  AppendNumber(code, out);
  out.push_back(' ');
  out.append(bhttp::obsolete_reason(bhttp::int_to_status(code)));
  out.append(kCrlf);
  if (!Overridden(response.headers, "Server")) AppendField("Server", "memoryd", out);
  if (!Overridden(response.headers, "Content-Type")) {
    AppendField("Content-Type", response.content_type, out);
  }
  for (size_t i = 0; i < response.headers.size(); ++i) {
    const auto& [name, value] = response.headers[i];
    if (SameName(name, "Content-Length") || ReplacedLater(response.headers, i)) continue;
    AppendField(name, value, out);
  }
  if (!keep_alive) AppendField("Connection", "close", out);
  // Always, as Beast's prepare_payload did: "Content-Length: 0" on an empty 204 as well.
  out.append("Content-Length: ");
  AppendNumber(response.body.size(), out);
  out.append(kCrlf);
  out.append(kCrlf);
}

}  // namespace memoryd::http
