#include "transport/mcp/stdio_loop.h"

#include <string>

#include "codec/json_text.h"

namespace memoryd::mcp {

std::string AnswerLine(std::string_view line, McpServer& server, const Principal& principal,
                       SessionState& session, const StdioOptions& options) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return {};
  if (static_cast<int64_t>(line.size()) > options.max_message_bytes) {
    return codec::SerializeJson(ErrorResponse(
        nullptr, kInvalidRequest,
        "message larger than " + std::to_string(options.max_message_bytes) + " bytes"));
  }
  auto parsed = ParseMessageText(line);
  if (!parsed.ok()) {
    return codec::SerializeJson(ErrorResponse(nullptr, kParseError, parsed.status().message()));
  }
  if (parsed->is_array()) {
    return codec::SerializeJson(
        ErrorResponse(nullptr, kInvalidRequest, "send one JSON-RPC message per line"));
  }
  const Message message = ReadMessage(std::move(parsed).value());
  // Nothing a tool does may end the session: anything thrown becomes an internal error.
  try {
    auto answer = server.Handle(message, principal, session);
    return answer ? std::move(answer->json) : std::string();
  } catch (const std::exception& e) {
    return ErrorResponseText(message.id, kInternalError,
                             std::string("internal error: ") + e.what());
  }
}

void RunStdioLoop(std::istream& in, std::ostream& out, McpServer& server,
                  const Principal& principal, StdioOptions options) {
  SessionState session;
  std::string line;
  while (std::getline(in, line)) {
    const std::string answer = AnswerLine(line, server, principal, session, options);
    if (answer.empty()) continue;
    out << answer << '\n';
    out.flush();
    if (!out) return;  // the client is gone
  }
}

}  // namespace memoryd::mcp
