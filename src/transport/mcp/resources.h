// MCP resources, each bounded: an agent reads a page, never a whole space.
//   memory://{space}/recent[?cursor=C]     the space's newest memories, 20 a page; the body's
//                                          `next` is the URI of the next page (null on the last)
//   memoryd://spaces/{space}/keys/{key}    one memory by key
//   memoryd://memories/{id}                one memory by id
// resources/list names each visible space's recent page, 50 spaces a page with nextCursor.
// Names are percent-encoded in URIs. Contents are JSON in the shapes the tools return.
//
// Thread-safety: pure functions over a thread-safe MemoryService.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "service/memory_service.h"

namespace memoryd::mcp {

// resources/list {cursor?}: one resource per visible space. kInvalidArgument for a cursor this
// server did not give.
Result<boost::json::object> ListResources(MemoryService& service, const Principal& principal,
                                          const boost::json::object& params);
// resources/templates/list.
boost::json::object ResourceTemplates();
// resources/read {uri}. kNotFound for a URI that names nothing (JSON-RPC -32002).
Result<boost::json::object> ReadResource(MemoryService& service, const Principal& principal,
                                         const boost::json::object& params);

// Percent-encoding of one URI segment (everything but A-Z a-z 0-9 - . _ ~), and its inverse
// (nullopt for a malformed escape).
std::string EncodeUriSegment(std::string_view text);
std::optional<std::string> DecodeUriSegment(std::string_view text);

}  // namespace memoryd::mcp
