// SessionTable: the Streamable HTTP sessions (Mcp-Session-Id). A session is created by
// initialize, belongs to the credentials that created it (a request with other credentials
// cannot use it), ends with DELETE or after being idle too long, and is then unknown (404).
// One key can never lock another out: a key holds at most `max_per_owner` sessions (its own
// least recently used one ends to make room for a new one), and when the whole table is full
// the least recently used session of the key holding the most ends.
// Sessions live in memory: after a restart clients get 404 and initialize again, as the
// protocol expects.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/result.h"
#include "transport/mcp/mcp_server.h"

namespace memoryd::mcp {

struct SessionOptions {
  // Live sessions at most, in all and per key.
  size_t max_sessions = 10'000;
  size_t max_per_owner = 100;
  // A session unused for this long ends.
  int64_t idle_timeout_ms = 2LL * 60 * 60 * 1000;
};

class SessionTable {
 public:
  SessionTable(const Clock& clock, SessionOptions options);

  // A new session owned by `owner` (a digest of the caller's credentials), holding `state`;
  // may end an older session as described above. kInternal when no random id can be made.
  Result<std::string> Create(std::string owner, SessionState state);
  // The session's state, if `id` is a live session of `owner` (and marks it used).
  std::optional<SessionState> Find(const std::string& id, const std::string& owner);
  // Saves a session's state after a request changed it; does nothing for an ended session.
  void Update(const std::string& id, const SessionState& state);
  // Ends the session; false when `id` is not a live session of `owner`.
  bool End(const std::string& id, const std::string& owner);
  size_t size() const;

 private:
  struct Entry {
    std::string owner;
    SessionState state;
    int64_t last_used = 0;
  };
  void DropIdleLocked(int64_t now);
  // Ends the least recently used session of `owner`, or of the owner holding the most when
  // `owner` is empty.
  void EvictLocked(const std::string& owner);
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it);

  const Clock& clock_;
  const SessionOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;
  std::unordered_map<std::string, size_t> per_owner_;  // live sessions of each owner
};

}  // namespace memoryd::mcp
