// Status: the outcome of a fallible operation. Nothing in memoryd throws across a subsystem
// boundary; every fallible call returns a Status or a Result<T>, and callers pass failures up
// with `if (!s.ok()) return s;`.
//
// Codes are domain codes. The transports map them to protocol codes in exactly one place each
// (transport/http/error_map.cc for HTTP, the MCP layer for JSON-RPC).
//
// Thread-safety: a Status is a value; distinct objects may be used from distinct threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace memoryd {

enum class StatusCode {
  kOk,
  kInvalidArgument,   // the caller sent something malformed
  kNotFound,          // the addressed thing does not exist (or is expired)
  kLimitExceeded,     // a configured quota (memories, tags) would be exceeded
  kUnauthenticated,   // missing or unknown credentials
  kPermissionDenied,  // credentials valid but not allowed to do this
  kRateLimited,       // the account's request budget is spent; see retry_after_seconds()
  kTooLarge,          // a request or value exceeds a configured size limit
  kConflict,          // the request conflicts with the current state
  kUnavailable,       // a transient condition, e.g. the server is shutting down
  kDeadlineExceeded,  // a call to something outside the process ran out of time
  kInternal,          // a bug or an I/O failure
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status LimitExceeded(std::string msg) {
    return {StatusCode::kLimitExceeded, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status RateLimited(std::string msg, int64_t retry_after_seconds) {
    Status s(StatusCode::kRateLimited, std::move(msg));
    s.retry_after_seconds_ = retry_after_seconds;
    return s;
  }
  static Status TooLarge(std::string msg) { return {StatusCode::kTooLarge, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) {
    return {StatusCode::kDeadlineExceeded, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Only meaningful for kRateLimited: whole seconds until a retry can succeed (at least 1).
  int64_t retry_after_seconds() const { return retry_after_seconds_; }

  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  int64_t retry_after_seconds_ = 0;
};

}  // namespace memoryd

// Propagates a non-OK Status from an expression that yields a Status.
#define MEMORYD_RETURN_IF_ERROR(expr) \
  do {                                \
    ::memoryd::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)
