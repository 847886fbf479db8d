// What every Store backend shares, defined once: when a memory is live, how long the index
// feed keeps the history of removals, and how a rate-limit bucket refills.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/memory.h"

namespace memoryd::store_rules {

// A memory is live at `now` unless it has an expiry at or before `now`: an expired memory does
// not exist for any read, even before the purge removes it.
inline bool IsLive(std::optional<int64_t> expires_at, int64_t now) {
  return !expires_at || *expires_at > now;
}
inline bool IsLive(const Memory& memory, int64_t now) { return IsLive(memory.expires_at, now); }

// The same rule as an SQL condition on the memory row `alias` (`memories.expires_at`, a nullable
// integer of milliseconds), with the time as the parameter `now_param` ("?", "?2", "$3"):
// LiveSql("m", "?2") is " (m.expires_at IS NULL OR m.expires_at > ?2) ".
std::string LiveSql(std::string_view alias = "m", std::string_view now_param = "?");
// Its negation for rows that exist: the memory has expired at `now_param`.
std::string ExpiredSql(std::string_view alias = "m", std::string_view now_param = "?");

// How long the index feed remembers removals (a day). A follower further behind than this
// rescans instead of reading the feed.
inline constexpr int64_t kRemovalHistoryMillis = 24LL * 3600 * 1000;

// Refills `bucket` (capacity and rate `per_minute` a minute) by the time since its last update
// and takes up to `want` whole tokens from it. A `now_micros` behind the bucket's own time (a
// node whose clock lags another's) refills nothing and leaves that time as it is.
RateLease TakeRateTokens(RateBucket& bucket, int64_t want, int64_t per_minute, int64_t now_micros);

}  // namespace memoryd::store_rules
