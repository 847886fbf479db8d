// libFuzzer target: the HTTP/1.1 request parser as a connection drives it (headers first, the
// head checks, then the body), with the same header and body limits as the server.
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "transport/http/body_rules.h"
#include "transport/http/error_map.h"
#include "transport/http/request_parser.h"

namespace {

constexpr uint64_t kBodyLimit = 1 << 20;
constexpr uint32_t kHeaderLimit = 16 * 1024;

void Feed(std::string_view input) {
  memoryd::http::RequestParser parser;
  parser.eager(false);
  parser.body_limit(kBodyLimit);
  parser.header_limit(kHeaderLimit);
  boost::system::error_code ec;
  bool head_checked = false;
  while (!input.empty()) {
    const size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec) return;
    if (!head_checked && parser.is_header_done()) {
      head_checked = true;
      memoryd::http::HttpRequest& head = parser.request();
      if (!memoryd::http::ParseTarget(head).ok()) return;
      if (auto refusal = memoryd::http::CheckBodyHeaders(head)) return;
      (void)head.Header("authorization");
      (void)head.Query("space");
      parser.eager(true);
    }
    if (parser.is_done() || used == 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Feed(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
