#include "transport/http/http_types.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>

namespace memoryd::http {
namespace {

std::optional<std::string_view> FindField(const Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

// Characters a target may hold without any decoding: unreserved, sub-delims except '+' (a space
// in a query), ':', '@', '/' and '?'. A target made only of these parses the same by hand as with
// Boost.URL; anything else ('%', '+', or a character Boost.URL must judge) goes to Boost.URL.
constexpr bool IsPlain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*,;=:@/?").find(c) != std::string_view::npos;
}

// The common case, "/path?k=v&k2=v2": true when it applied (every parameter has a name).
bool ParsePlainTarget(HttpRequest& request) {
  const std::string_view target = request.target;
  if (target.empty() || target.front() != '/') return false;
  for (char c : target) {
    if (!IsPlain(c)) return false;
  }
  const size_t question = target.find('?');
  request.query.clear();
  if (question != std::string_view::npos) {
    std::string_view rest = target.substr(question + 1);
    for (;;) {
      const std::string_view param = rest.substr(0, rest.find('&'));
      const size_t equals = param.find('=');
      if (param.empty() || equals == 0) return false;
      if (equals == std::string_view::npos) {
        request.query.emplace_back(std::string(param), std::string());
      } else {
        request.query.emplace_back(std::string(param.substr(0, equals)),
                                   std::string(param.substr(equals + 1)));
      }
      if (param.size() == rest.size()) break;
      rest.remove_prefix(param.size() + 1);
    }
  }
  request.path = std::string(target.substr(0, question));
  return true;
}

}  // namespace

std::optional<std::string_view> HttpRequest::Query(std::string_view name) const {
  return FindField(query, name);
}

std::optional<std::string_view> HttpRequest::Header(std::string_view lower_name) const {
  return FindField(headers, lower_name);
}

Status ParseTarget(HttpRequest& request) {
  if (ParsePlainTarget(request)) return Status::Ok();
  auto parsed = boost::urls::parse_origin_form(request.target);
  if (!parsed) return Status::InvalidArgument("malformed request target");
  const boost::urls::url_view& url = *parsed;
  request.path = std::string(url.path());
  request.query.clear();
  for (const auto& param : url.params()) {
    request.query.emplace_back(std::string(param.key), std::string(param.value));
  }
  return Status::Ok();
}

std::string BearerToken(const HttpRequest& request) {
  auto header = request.Header("authorization");
  if (!header) return {};
  std::string_view value = *header;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return {};
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return std::string(value);
}

}  // namespace memoryd::http
