// OriginGuard: protection of every route (REST and /mcp) against DNS rebinding. A web page the user
// visits can make the browser send requests to a server on the user's machine under a hostile host
// name; the Host header then names that host, and the Origin header the page's site. The guard
// accepts:
//   Host:   loopback names (localhost, 127.0.0.1, [::1]), the address the server listens on when
//           it is a specific one, and the configured allowed hosts. A server listening on a
//           wildcard address (0.0.0.0, ::) with no allowed hosts configured cannot know its own
//           names and accepts any Host (API keys still protect it).
//   Origin: absent (non-browser clients), loopback origins, and the configured allowed origins.
// "*" in either list allows anything. Ports never matter.
//
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace memoryd::http {

class OriginGuard {
 public:
  // `listen_host` is the address the server is bound to; the lists come from the command line
  // (host names, and origins such as "https://app.example.com").
  OriginGuard(std::string listen_host, std::vector<std::string> allowed_hosts,
              std::vector<std::string> allowed_origins);

  // kPermissionDenied saying which header was refused.
  Status Check(std::optional<std::string_view> host, std::optional<std::string_view> origin) const;

 private:
  bool HostAllowed(std::string_view host_header) const;
  bool OriginAllowed(std::string_view origin) const;

  std::vector<std::string> hosts_;    // lower case, no port
  std::vector<std::string> origins_;  // lower case, no trailing slash
  bool any_host_ = false;
  bool any_origin_ = false;
};

}  // namespace memoryd::http
