// Generation of public memory ids: UUIDv7 strings, so ids sort by creation time.
//
// Thread-safety: safe from any thread (per-thread random state).
#pragma once

#include <cstdint>
#include <string>

namespace memoryd {

// A new UUIDv7 ("0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5f") for the given time. Never fails.
std::string NewMemoryId(int64_t now_millis);

}  // namespace memoryd
