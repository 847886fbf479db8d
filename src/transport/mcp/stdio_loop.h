// MCP over stdio: newline-delimited JSON-RPC messages on the input, one answer per request as
// one line on the output, nothing else on the output (logs belong on stderr). Notifications
// and responses are never answered. One session lasts as long as the input.
//
// Thread-safety: runs on the calling thread until the input ends.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>

#include "transport/mcp/mcp_server.h"

namespace memoryd::mcp {

struct StdioOptions {
  int64_t max_message_bytes = 4 << 20;  // longer lines are answered with an error and skipped
};

// Serves `principal` until `in` ends. Returns normally at end of input.
void RunStdioLoop(std::istream& in, std::ostream& out, McpServer& server,
                  const Principal& principal, StdioOptions options);

// Answers one line of input: the text of the answer, or empty for none.
std::string AnswerLine(std::string_view line, McpServer& server, const Principal& principal,
                       SessionState& session, const StdioOptions& options);

}  // namespace memoryd::mcp
