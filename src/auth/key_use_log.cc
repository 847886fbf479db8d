#include "auth/key_use_log.h"

#include <algorithm>

namespace memoryd {

void KeyUseLog::Note(int64_t key_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key_id);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) ForgetWritten();
    if (entries_.size() >= capacity_) return;
    it = entries_.emplace(key_id, Entry{}).first;
  }
  it->second.last_use = std::max(it->second.last_use, now_ms);
}

void KeyUseLog::ForgetWritten() {
  std::erase_if(entries_, [](const auto& e) { return e.second.written == e.second.last_use; });
}

std::vector<ApiKeyUse> KeyUseLog::TakeDue() {
  std::lock_guard lock(mu_);
  std::vector<ApiKeyUse> due;
  for (auto& [id, entry] : entries_) {
    const bool first = entry.written == kNever && entry.last_use != kNever;
    if (first || (entry.written != kNever && entry.last_use - entry.written >= resolution_ms_)) {
      due.push_back(ApiKeyUse{id, entry.last_use});
      entry.written = entry.last_use;
    }
  }
  return due;
}

void KeyUseLog::Unwritten(const std::vector<ApiKeyUse>& uses) {
  std::lock_guard lock(mu_);
  for (const ApiKeyUse& use : uses) {
    if (auto it = entries_.find(use.id); it != entries_.end()) it->second.written = kNever;
  }
}

}  // namespace memoryd
