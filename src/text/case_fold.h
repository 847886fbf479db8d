// Case folding for substring matching: letters are lowercased (ASCII, Latin-1, Latin
// Extended-A, Greek, Cyrillic) and nothing else changes; accents stay, so "ÉCOLE" meets "école"
// but "éé" does not meet "ee".
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace memoryd::text {

// The lowercase form of one code point (itself when it has none in the covered scripts).
char32_t LowercaseCodePoint(char32_t cp);

// `text` with every letter lowercased. Malformed UTF-8 bytes are kept as they are. Never fails.
std::string FoldForMatch(std::string_view text);

}  // namespace memoryd::text
