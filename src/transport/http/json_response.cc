#include "transport/http/json_response.h"

#include <charconv>
#include <utility>

#include "codec/json_text.h"

namespace memoryd::http {

Result<int64_t> IntegerParam(const HttpRequest& request, std::string_view name, int64_t fallback) {
  auto raw = request.Query(name);
  if (!raw) return fallback;
  int64_t value = 0;
  const char* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(raw->data(), end, value);
  if (raw->empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("'" + std::string(name) + "' must be an integer");
  }
  return value;
}

HttpResponse JsonResponse(int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  response.body = codec::SerializeJson(body);
  return response;
}

HttpResponse JsonTextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace memoryd::http
