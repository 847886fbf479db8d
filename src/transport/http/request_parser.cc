#include "transport/http/request_parser.h"

#include <boost/beast/http/error.hpp>

namespace memoryd::http {

namespace bhttp = boost::beast::http;

namespace {

// Clients send a handful of headers; one reservation avoids regrowing the vector for them.
constexpr size_t kTypicalHeaderCount = 8;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

void RequestParser::on_request_impl(bhttp::verb, string_view method_str, string_view target, int,
                                    error_code& ec) {
  request_.method.assign(method_str.data(), method_str.size());
  request_.target.assign(target.data(), target.size());
  request_.headers.reserve(kTypicalHeaderCount);
  ec = {};
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = bhttp::error::bad_version;  // unreachable: this is a request parser
}

void RequestParser::on_field_impl(bhttp::field, string_view name_string, string_view value,
                                  error_code& ec) {
  std::string name(name_string.size(), '\0');
  for (size_t i = 0; i < name_string.size(); ++i) name[i] = Lower(name_string[i]);
  request_.headers.emplace_back(std::move(name), std::string(value.data(), value.size()));
  ec = {};
}

void RequestParser::on_header_impl(error_code& ec) { ec = {}; }

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  // The base parser has already refused a length over the body limit.
  if (content_length) request_.body.reserve(static_cast<size_t>(*content_length));
  ec = {};
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  request_.body.append(body.data(), body.size());
  ec = {};
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) { ec = {}; }

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void RequestParser::on_finish_impl(error_code& ec) { ec = {}; }

}  // namespace memoryd::http
