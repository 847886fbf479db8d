#include "transport/mcp/session_table.h"

#include "auth/api_key.h"

namespace memoryd::mcp {

SessionTable::SessionTable(const Clock& clock, SessionOptions options)
    : clock_(clock), options_(options) {}

Result<std::string> SessionTable::Create(std::string owner, SessionState state) {
  // An API key's random part is a fine session id: ~238 bits from OpenSSL, visible ASCII only.
  MEMORYD_ASSIGN_OR_RETURN(std::string key, GenerateApiKey());
  const std::string id = key.substr(key.find('_') + 1);
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  if (sessions_.size() >= options_.max_sessions) DropIdleLocked(now);
  if (sessions_.size() >= options_.max_sessions) {
    return Status::Unavailable("too many open MCP sessions; end one with DELETE /mcp");
  }
  sessions_[id] = Entry{std::move(owner), std::move(state), now};
  return id;
}

std::optional<SessionState> SessionTable::Find(const std::string& id, const std::string& owner) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_used > options_.idle_timeout_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  if (!DigestsEqual(it->second.owner, owner)) return std::nullopt;
  it->second.last_used = now;
  return it->second.state;
}

void SessionTable::Update(const std::string& id, const SessionState& state) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) it->second.state = state;
}

bool SessionTable::End(const std::string& id, const std::string& owner) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !DigestsEqual(it->second.owner, owner)) return false;
  sessions_.erase(it);
  return true;
}

size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionTable::DropIdleLocked(int64_t now) {
  std::erase_if(sessions_, [&](const auto& entry) {
    return now - entry.second.last_used > options_.idle_timeout_ms;
  });
}

}  // namespace memoryd::mcp
