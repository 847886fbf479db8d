// API key primitives: generation, hashing and constant-time comparison. The server stores only
// SHA-256 hashes of keys; a key is shown once, when it is created.
//
// Thread-safety: all functions are safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace memoryd {

// A new random key, "mcp_" followed by 40 base-62 characters (about 238 bits of entropy).
// kInternal if the system's random source fails.
Result<std::string> GenerateApiKey();

// The raw 32-byte SHA-256 digest of a key. Never fails.
std::string HashApiKey(std::string_view key);

// Compares two digests in time independent of where they differ.
bool DigestsEqual(std::string_view a, std::string_view b);

}  // namespace memoryd
