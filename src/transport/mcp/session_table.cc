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
  auto held = per_owner_.find(owner);
  const bool owner_full = held != per_owner_.end() && held->second >= options_.max_per_owner;
  if (owner_full || sessions_.size() >= options_.max_sessions) DropIdleLocked(now);
  held = per_owner_.find(owner);
  if (held != per_owner_.end() && held->second >= options_.max_per_owner) EvictLocked(owner);
  if (sessions_.size() >= options_.max_sessions) EvictLocked("");
  ++per_owner_[owner];
  sessions_[id] = Entry{std::move(owner), std::move(state), now};
  return id;
}

void SessionTable::EraseLocked(std::unordered_map<std::string, Entry>::iterator it) {
  auto held = per_owner_.find(it->second.owner);
  if (held != per_owner_.end() && --held->second == 0) per_owner_.erase(held);
  sessions_.erase(it);
}

void SessionTable::EvictLocked(const std::string& owner) {
  std::string victim_owner = owner;
  if (victim_owner.empty()) {
    size_t most = 0;
    for (const auto& [o, n] : per_owner_) {
      if (n > most) most = n, victim_owner = o;
    }
  }
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.owner != victim_owner) continue;
    if (oldest == sessions_.end() || it->second.last_used < oldest->second.last_used) oldest = it;
  }
  if (oldest != sessions_.end()) EraseLocked(oldest);
}

std::optional<SessionState> SessionTable::Find(const std::string& id, const std::string& owner) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_used > options_.idle_timeout_ms) {
    EraseLocked(it);
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
  EraseLocked(it);
  return true;
}

size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionTable::DropIdleLocked(int64_t now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_used > options_.idle_timeout_ms) EraseLocked(it);
    it = next;
  }
}

}  // namespace memoryd::mcp
