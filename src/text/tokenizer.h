// Tokenizer: splits UTF-8 text into folded word tokens for indexing and embedding.
//
// Rules:
//  - Letters and digits form tokens; everything else (spaces, punctuation, symbols, emoji,
//    control bytes including NUL, malformed UTF-8) separates them.
//  - Letters are folded (see char_fold.h): "Café" -> "cafe", "STRASSE" -> "strasse".
//  - Numbers are kept. A '.' between digits stays ("3.5"); a ',' between digits is a thousands
//    separator and is dropped ("1,000" -> "1000").
//  - Apostrophes: a possessive or contracted "'s" is dropped ("Caroline's" -> "caroline",
//    "it's" -> "it"); other apostrophes inside a word are removed ("don't" -> "dont",
//    "O'Brien" -> "obrien"); leading or trailing apostrophes separate. Typographic apostrophes
//    (U+2018, U+2019, U+02BC) count as apostrophes.
//  - CJK ideographs and kana become one token each, since those scripts do not mark words.
//  - Tokens longer than kMaxTokenBytes are cut there, on a code point boundary.
//
// Thread-safety: a pure function; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace memoryd::text {

inline constexpr size_t kMaxTokenBytes = 64;

// Returns the tokens of `text` in order. Never fails; any byte sequence is accepted.
std::vector<std::string> Tokenize(std::string_view text);

}  // namespace memoryd::text
