// The one place that maps a domain Status to an HTTP answer: the status code, the JSON error body
// {"error": "..."}, and the headers that go with it (Retry-After on 429, WWW-Authenticate on
// 401).
#pragma once

#include "core/status.h"
#include "transport/http/http_types.h"

namespace memoryd::http {

int HttpStatusFor(StatusCode code);
// An error answer for a non-OK status.
HttpResponse ErrorResponse(const Status& status);

}  // namespace memoryd::http
