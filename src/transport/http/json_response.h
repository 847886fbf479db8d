// What the HTTP routes build on the codecs: integer query parameters and JSON answers.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/json_codec.h"
#include "core/result.h"
#include "transport/http/http_types.h"

namespace memoryd::http {

namespace json = boost::json;

// Query parameter as an integer; `fallback` when absent. kInvalidArgument when not an integer.
Result<int64_t> IntegerParam(const HttpRequest& request, std::string_view name, int64_t fallback);

// A 2xx answer with a JSON body.
HttpResponse JsonResponse(int status, const json::value& body);
// A 2xx answer whose body is JSON text already written (see codec/json_text.h).
HttpResponse JsonTextResponse(int status, std::string body);

}  // namespace memoryd::http
