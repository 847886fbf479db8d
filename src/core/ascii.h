// ASCII string helpers for protocol text (header values, URLs, option lists): letter case and
// whitespace of the ASCII range only, never the locale's. Unicode text goes through text/.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memoryd {

// `s` with A-Z turned into a-z; every other byte unchanged.
std::string AsciiLower(std::string_view s);
// `s` without leading and trailing spaces and tabs.
std::string_view TrimAsciiBlanks(std::string_view s);
// Whether `s` starts with `prefix`, ignoring ASCII letter case.
bool StartsWithNoCase(std::string_view s, std::string_view prefix);
// The items of a comma-separated list, each without surrounding blanks; empty items dropped.
std::vector<std::string> SplitCommaList(std::string_view text);

}  // namespace memoryd
