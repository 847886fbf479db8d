// RequestParser: Beast's HTTP/1.1 request parser (framing, chunked bodies, header and body
// limits) feeding an HttpRequest directly, with header names lower-cased as they arrive. It
// replaces a Beast message plus a field-by-field copy: one string per value instead of a Beast
// field node and then a copy.
//
// Thread-safety: one parser per connection; not shared.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include "transport/http/http_types.h"

namespace memoryd::http {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  RequestParser() = default;

  // The request parsed so far (complete once is_done()); method, target, headers and body.
  HttpRequest& request() { return request_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  HttpRequest request_;
};

}  // namespace memoryd::http
