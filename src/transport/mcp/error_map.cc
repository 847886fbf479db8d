#include "transport/mcp/error_map.h"

#include "core/utf8.h"
#include "transport/mcp/json_rpc.h"

namespace memoryd::mcp {

int JsonRpcCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
    case StatusCode::kLimitExceeded:
      return kInvalidParams;
    case StatusCode::kNotFound:
      return kResourceNotFound;
    case StatusCode::kOk:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kRateLimited:
    case StatusCode::kConflict:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kInternal:
      return kInternalError;
  }
  return kInternalError;
}

std::string ToolErrorText(const Status& status) {
  const std::string m = ToValidUtf8(status.message());
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return "Invalid arguments: " + m + ". Correct the arguments and call the tool again.";
    case StatusCode::kNotFound:
      return "Not found: " + m + ".";
    case StatusCode::kLimitExceeded:
      return "Limit reached: " + m +
             ". Delete memories or tags that are no longer needed, or ask the operator to raise "
             "the limit.";
    case StatusCode::kTooLarge:
      return "Too large: " + m + ". Store less per memory, for example split the text.";
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return "Not allowed: " + m + ". This API key cannot do this; retrying will not help.";
    case StatusCode::kRateLimited:
      return "Rate limited: " + m + ". Retry after " +
             std::to_string(status.retry_after_seconds()) + " seconds.";
    case StatusCode::kConflict:
      return "Conflict: " + m + ".";
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return "Temporarily unavailable: " + m + ". Try again later.";
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return "Internal error: " + m + ".";
}

}  // namespace memoryd::mcp
