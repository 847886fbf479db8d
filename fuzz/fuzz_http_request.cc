// libFuzzer target: the HTTP/1.1 request parser as a connection drives it: bytes arrive in
// pieces (the first input byte picks their size), the head is checked before the body is read,
// and pipelined requests follow each other on one connection. Same limits as the server.
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transport/http/body_rules.h"
#include "transport/http/error_map.h"
#include "transport/http/request_parser.h"

namespace {

constexpr uint64_t kBodyLimit = 1 << 20;
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr int kMaxRequests = 4;

void Feed(std::string_view input, size_t piece) {
  namespace bhttp = boost::beast::http;
  std::string buffer;  // received, not yet parsed
  for (int request = 0; request < kMaxRequests; ++request) {
    memoryd::http::RequestParser parser;
    parser.eager(false);
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    bool head_checked = false;
    for (;;) {
      if (buffer.empty()) {
        if (input.empty()) return;  // the client stopped sending mid-request
        const size_t n = std::min(piece, input.size());
        buffer.append(input.substr(0, n));
        input.remove_prefix(n);
      }
      boost::system::error_code ec;
      const size_t used = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      if (ec == bhttp::error::need_more) {
        if (input.empty()) return;
        const size_t n = std::min(piece, input.size());
        buffer.append(input.substr(0, n));
        input.remove_prefix(n);
        continue;
      }
      if (ec) {
        (void)memoryd::http::ErrorResponse(memoryd::Status::InvalidArgument(ec.message()));
        return;  // the connection is closed after a malformed request
      }
      if (!head_checked && parser.is_header_done()) {
        head_checked = true;
        memoryd::http::HttpRequest& head = parser.request();
        if (auto target = memoryd::http::ParseTarget(head); !target.ok()) {
          (void)memoryd::http::ErrorResponse(target);
          return;
        }
        if (memoryd::http::CheckBodyHeaders(head)) return;  // refused: closed, body unread
        (void)head.Header("authorization");
        (void)head.Query("space");
        parser.eager(true);
      }
      if (parser.is_done()) break;
      if (used == 0 && input.empty()) return;
    }
    if (!parser.keep_alive()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 97;  // how the bytes arrive
  Feed(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), piece);
  return 0;
}
