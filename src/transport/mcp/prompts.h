// MCP prompts and argument completion. Two prompts a user can pick in an MCP client:
//   recall {topic, space?}    what memoryd remembers about a topic (the search results, inlined)
//   remember {text, space?}   asks the model to store something with add_memory
// Completion offers the caller's space names for every `space` argument (of the prompts and of
// the resource templates).
//
// Thread-safety: pure functions over a thread-safe MemoryService.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "service/memory_service.h"

namespace memoryd::mcp {

// prompts/list.
boost::json::object ListPrompts();
// prompts/get {name, arguments}. kInvalidArgument for an unknown prompt or a missing argument.
Result<boost::json::object> GetPrompt(MemoryService& service, const Principal& principal,
                                      const std::string& default_space,
                                      const boost::json::object& params);
// completion/complete {ref, argument}. kInvalidArgument for an unknown prompt.
Result<boost::json::object> Complete(MemoryService& service, const Principal& principal,
                                     const boost::json::object& params);

}  // namespace memoryd::mcp
