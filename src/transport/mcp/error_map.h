// The one place that maps a domain Status to JSON-RPC: the error code of a failed protocol
// request, and the text a language model reads when a tool call fails (a result with isError).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "core/status.h"

namespace memoryd::mcp {

// The JSON-RPC error code for a failed request (not a tool call: those answer with isError).
int JsonRpcCodeFor(StatusCode code);

// What went wrong and what to do about it, worded for a language model.
std::string ToolErrorText(const Status& status);

}  // namespace memoryd::mcp
