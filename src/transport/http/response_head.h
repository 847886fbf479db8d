// The status line and header block of an answer, written straight into a byte buffer. It gives
// the same bytes Beast's serializer gave for our answers (reason phrase, field order, set()
// semantics for repeated names, Connection and Content-Length last), without building a Beast
// message per request.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include "transport/http/http_types.h"

namespace memoryd::http {

// Appends "HTTP/1.1 <code> <reason>\r\n", the Server and Content-Type fields, the response's own
// headers (a later header replaces an earlier one of the same name), "Connection: close" unless
// `keep_alive`, Content-Length, and the blank line. Never fails.
void AppendResponseHead(const HttpResponse& response, bool keep_alive, std::string& out);

}  // namespace memoryd::http
