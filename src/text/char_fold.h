// Character-level helpers for the tokenizer: a forgiving UTF-8 decoder and the folding table that
// maps a code point to the lowercase form under which it is indexed.
//
// Folding lowercases ASCII, Latin-1, Latin Extended-A, basic Greek and Cyrillic, and strips the
// diacritics of Latin letters ("É" -> "e", "ß" -> "ss", "Œ" -> "oe"), so that "Café" and "cafe"
// meet in the index and the English stemmer sees plain ASCII.
//
// Thread-safety: pure functions over immutable constant tables; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace memoryd::text {

// Returned by DecodeUtf8 for a malformed or truncated sequence.
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the code point starting at text[*pos] and advances *pos past it. A malformed sequence
// (bad lead or continuation byte, overlong form, surrogate, beyond U+10FFFF) yields
// kInvalidCodePoint and advances by exactly one byte, so decoding always makes progress.
// REQUIRES: *pos < text.size().
char32_t DecodeUtf8(std::string_view text, size_t* pos);

// Appends the UTF-8 encoding of `cp` to `out`. REQUIRES: cp is a valid scalar value.
void AppendUtf8(char32_t cp, std::string* out);

// How the tokenizer treats a code point.
enum class CharClass {
  kSeparator,   // ends the current token (space, punctuation, symbols, emoji, controls)
  kWord,        // part of a word; FoldChar gives its indexed form
  kIdeograph,   // CJK ideograph or kana: a token on its own
  kApostrophe,  // ' or a typographic variant; meaning depends on the neighbours
  kIgnorable,   // combining mark or joiner: dropped without ending the token
};

CharClass ClassifyChar(char32_t cp);

// Appends the folded (lowercase, diacritic-free where Latin) form of a kWord or kIdeograph code
// point to `out`.
void AppendFolded(char32_t cp, std::string* out);

// True for the ASCII digits 0-9.
inline bool IsAsciiDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }

}  // namespace memoryd::text
