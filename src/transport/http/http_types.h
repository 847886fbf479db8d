// Plain HTTP request and response values passed between the server and the routes. No Beast or
// JSON library types appear here, so routes and tests do not depend on the server's internals.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace memoryd::http {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received, e.g. "/api/rest/memory?key=a%20b"
  std::string path;    // percent-decoded path
  Fields query;        // percent-decoded parameters, in order
  Fields headers;      // names in lower case
  std::string body;
  std::string remote;  // peer address

  // The first value of a query parameter or header (header names are matched in lower case).
  std::optional<std::string_view> Query(std::string_view name) const;
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  Fields headers;
  // Never sent; for the access log and the metrics. The pattern of the route that answered
  // (e.g. "/spaces/{space}"): a string with static storage from a route table, so that counting
  // by route needs no string built per request. Null when no route answered (e.g. a 404).
  const char* route = nullptr;
  // Words the access log writes after the path, e.g. "tools/call search_memories"; whoever sets
  // them makes client-chosen parts safe first (SafeLogToken in access_log.h).
  std::string log_detail = {};
};

// The token of "Authorization: Bearer <token>" (scheme case-insensitive, surrounding spaces
// dropped); empty when there is none.
std::string BearerToken(const HttpRequest& request);

// Splits a request target into decoded path and query. kInvalidArgument if malformed.
Status ParseTarget(HttpRequest& request);

// The seam between the HTTP server and whatever answers requests. `done` must be called exactly
// once, from any thread.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called once the request line and the headers are in, before any byte of the body is read
  // (`head.body` is empty; path and query are parsed). An answer refuses the request: it is
  // sent and the connection closed, and the body is never buffered. nullopt lets it through.
  virtual std::optional<HttpResponse> CheckHead(const HttpRequest& head) {
    (void)head;
    return std::nullopt;
  }
  virtual void Handle(HttpRequest request, std::function<void(HttpResponse)> done) = 0;
};

}  // namespace memoryd::http
