// UTF-8 checks shared by every layer: validation of input, and making text that came from a
// client safe to echo inside a JSON answer (Boost.JSON writes invalid bytes as they are, which
// makes the whole answer invalid JSON).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace memoryd {

// Length of the well-formed UTF-8 sequence starting at text[i] (1 to 4), or 0 when the bytes
// there are not one (stray continuation byte, truncated, overlong, surrogate, beyond U+10FFFF).
// REQUIRES: i < text.size().
size_t Utf8SequenceLength(std::string_view text, size_t i);

bool IsWellFormedUtf8(std::string_view text);

// `text` with every ill-formed byte replaced by U+FFFD. Never fails.
std::string ToValidUtf8(std::string_view text);

}  // namespace memoryd
