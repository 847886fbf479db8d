// Rules for how a request body may be sent, checked from the headers alone (before the body is
// read), the same for every route:
//   - Transfer-Encoding other than "chunked" (e.g. "gzip, chunked"): 501, never stored as sent.
//   - Content-Encoding other than "identity": 415; bodies are read uncompressed only.
//   - Content-Type: absent, application/json or any +json type is read as JSON; anything else
//     gets 415 naming the header to send. A web page can send text/plain, form and multipart
//     bodies to any server without asking first (no CORS preflight), so refusing them keeps
//     other sites from writing through the user's browser (as Elasticsearch does).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>

#include "transport/http/http_types.h"

namespace memoryd::http {

// The refusal for a request whose body framing, encoding or type is not accepted; nullopt when
// it is (or there is no body).
std::optional<HttpResponse> CheckBodyHeaders(const HttpRequest& head);

}  // namespace memoryd::http
