#include "transport/http/http_types.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace memoryd::http {
namespace {

std::optional<std::string_view> FindField(const Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> HttpRequest::Query(std::string_view name) const {
  return FindField(query, name);
}

std::optional<std::string_view> HttpRequest::Header(std::string_view lower_name) const {
  return FindField(headers, lower_name);
}

Status ParseTarget(HttpRequest& request) {
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

}  // namespace memoryd::http
