#include "transport/http/error_map.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "codec/json_text.h"
#include "core/utf8.h"

namespace memoryd::http {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kLimitExceeded:
      return 409;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kRateLimited:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status) {
  HttpResponse response;
  response.status = HttpStatusFor(status.code());
  boost::json::object body;
  // Messages may quote what a client sent (a path, a header): never echo invalid UTF-8.
  body["error"] = ToValidUtf8(status.message());
  response.body = codec::SerializeJson(body);
  if (status.code() == StatusCode::kRateLimited) {
    response.headers.emplace_back("Retry-After", std::to_string(status.retry_after_seconds()));
  }
  if (status.code() == StatusCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

}  // namespace memoryd::http
