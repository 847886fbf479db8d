#include "transport/http/origin_guard.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

#include "core/ascii.h"

namespace memoryd::http {
namespace {

// "host:port", "[::1]:port", "host" -> the host, lower case, IPv6 without brackets.
std::string HostName(std::string_view authority) {
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    return AsciiLower(
        authority.substr(1, close == std::string_view::npos ? authority.npos : close - 1));
  }
  const size_t colon = authority.find(':');
  // More than one colon: a bare IPv6 address.
  if (colon != std::string_view::npos && authority.find(':', colon + 1) == std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  return AsciiLower(authority);
}

// localhost, or a loopback address literal ("127.evil.example" is a name, not an address).
bool IsLoopbackName(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

bool IsWildcard(std::string_view host) { return host == "0.0.0.0" || host == "::" || host.empty(); }

}  // namespace

OriginGuard::OriginGuard(std::string listen_host, std::vector<std::string> allowed_hosts,
                         std::vector<std::string> allowed_origins) {
  for (const auto& h : allowed_hosts) {
    if (h == "*") any_host_ = true;
    hosts_.push_back(HostName(h));
  }
  const std::string listen = HostName(listen_host);
  if (IsWildcard(listen)) {
    any_host_ = any_host_ || allowed_hosts.empty();
  } else {
    hosts_.push_back(listen);
  }
  for (const auto& o : allowed_origins) {
    if (o == "*") any_origin_ = true;
    std::string origin = AsciiLower(o);
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    origins_.push_back(std::move(origin));
  }
}

bool OriginGuard::HostAllowed(std::string_view host_header) const {
  if (any_host_) return true;
  const std::string host = HostName(host_header);
  if (IsLoopbackName(host)) return true;
  return std::find(hosts_.begin(), hosts_.end(), host) != hosts_.end();
}

bool OriginGuard::OriginAllowed(std::string_view origin) const {
  if (any_origin_) return true;
  std::string lower = AsciiLower(origin);
  while (!lower.empty() && lower.back() == '/') lower.pop_back();
  if (std::find(origins_.begin(), origins_.end(), lower) != origins_.end()) return true;
  const size_t scheme = lower.find("://");
  if (scheme == std::string::npos) return false;  // includes the opaque origin "null"
  std::string_view authority = std::string_view(lower).substr(scheme + 3);
  authority = authority.substr(0, authority.find('/'));
  return IsLoopbackName(HostName(authority));
}

Status OriginGuard::Check(std::optional<std::string_view> host,
                          std::optional<std::string_view> origin) const {
  if (host && !HostAllowed(*host)) {
    return Status::PermissionDenied("the Host header '" + std::string(*host) +
                                    "' is not allowed here (see --allowed-hosts)");
  }
  if (origin && !OriginAllowed(*origin)) {
    return Status::PermissionDenied("the Origin '" + std::string(*origin) +
                                    "' is not allowed here (see --allowed-origins)");
  }
  return Status::Ok();
}

}  // namespace memoryd::http
