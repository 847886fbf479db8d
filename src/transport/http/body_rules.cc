#include "transport/http/body_rules.h"

#include <string>

#include "core/ascii.h"
#include "transport/http/error_map.h"

namespace memoryd::http {
namespace {

std::string Trimmed(std::string_view s) { return AsciiLower(TrimAsciiBlanks(s)); }

HttpResponse Refuse(int status, std::string message) {
  HttpResponse response = ErrorResponse(Status::InvalidArgument(std::move(message)));
  response.status = status;
  return response;
}

bool OnlyChunked(std::string_view codings) {
  size_t start = 0;
  while (start <= codings.size()) {
    const size_t end = std::min(codings.find(',', start), codings.size());
    if (Trimmed(codings.substr(start, end - start)) != "chunked") return false;
    start = end + 1;
  }
  return true;
}

bool HasBody(const HttpRequest& head) {
  if (head.Header("transfer-encoding")) return true;
  auto length = head.Header("content-length");
  return length && Trimmed(*length) != "0";
}

}  // namespace

std::optional<HttpResponse> CheckBodyHeaders(const HttpRequest& head) {
  if (auto te = head.Header("transfer-encoding"); te && !OnlyChunked(*te)) {
    return Refuse(501, "Transfer-Encoding '" + std::string(*te) +
                           "' is not supported; send the body as it is, or chunked");
  }
  if (!HasBody(head)) return std::nullopt;
  if (auto ce = head.Header("content-encoding"); ce && Trimmed(*ce) != "identity") {
    return Refuse(415, "Content-Encoding '" + std::string(*ce) +
                           "' is not supported; send the body uncompressed");
  }
  if (auto type = head.Header("content-type")) {
    const std::string media = Trimmed(type->substr(0, type->find(';')));
    if (media != "application/json" && !media.ends_with("+json")) {
      return Refuse(415, "Content-Type '" + std::string(*type) +
                             "' is not accepted; send the body as JSON with the header "
                             "'Content-Type: application/json'");
    }
  }
  return std::nullopt;
}

}  // namespace memoryd::http
