#include "text/char_fold.h"

#include <array>
#include <cstdint>

namespace memoryd::text {
namespace {

// A run of consecutive code points that all fold to the same ASCII text.
struct FoldRange {
  char32_t first;
  char32_t last;
  const char* folded;
};

// Latin-1 Supplement letters (U+00C0..U+00FF), upper and lower case alike.
constexpr std::array<FoldRange, 28> kLatin1Folds = {{
    {0xC0, 0xC5, "a"},  {0xC6, 0xC6, "ae"}, {0xC7, 0xC7, "c"},  {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},  {0xD0, 0xD0, "d"},  {0xD1, 0xD1, "n"},  {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},  {0xD9, 0xDC, "u"},  {0xDD, 0xDD, "y"},  {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"}, {0xE0, 0xE5, "a"},  {0xE6, 0xE6, "ae"}, {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},  {0xEC, 0xEF, "i"},  {0xF0, 0xF0, "d"},  {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},  {0xF8, 0xF8, "o"},  {0xF9, 0xFC, "u"},  {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"}, {0xFF, 0xFF, "y"},  {0xAA, 0xAA, "a"},  {0xBA, 0xBA, "o"},
}};

// Latin Extended-A (U+0100..U+017F): every code point is covered by exactly one range.
constexpr std::array<FoldRange, 23> kLatinExtAFolds = {{
    {0x100, 0x105, "a"}, {0x106, 0x10D, "c"}, {0x10E, 0x111, "d"},  {0x112, 0x11B, "e"},
    {0x11C, 0x123, "g"}, {0x124, 0x127, "h"}, {0x128, 0x131, "i"},  {0x132, 0x133, "ij"},
    {0x134, 0x135, "j"}, {0x136, 0x138, "k"}, {0x139, 0x142, "l"},  {0x143, 0x149, "n"},
    {0x14A, 0x14B, "n"}, {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"}, {0x154, 0x159, "r"},
    {0x15A, 0x161, "s"}, {0x162, 0x167, "t"}, {0x168, 0x173, "u"},  {0x174, 0x175, "w"},
    {0x176, 0x178, "y"}, {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
}};

// Blocks made of punctuation, symbols, arrows, box drawing, emoji and private-use characters.
constexpr std::array<FoldRange, 16> kSeparatorBlocks = {{
    {0x00, 0x2F, ""},
    {0x3A, 0x40, ""},
    {0x5B, 0x60, ""},
    {0x7B, 0xBF, ""},
    {0xD7, 0xD7, ""},
    {0xF7, 0xF7, ""},
    {0x2000, 0x206F, ""},
    {0x20A0, 0x20CF, ""},
    {0x2100, 0x2BFF, ""},
    {0x2E00, 0x2E7F, ""},
    {0x3000, 0x303F, ""},
    {0xE000, 0xF8FF, ""},
    {0xFE10, 0xFE6F, ""},
    {0xFF00, 0xFF0F, ""},
    {0xFFF0, 0xFFFF, ""},
    {0x1F000, 0x1FAFF, ""},
}};

template <size_t N>
const FoldRange* FindRange(const std::array<FoldRange, N>& table, char32_t cp) {
  for (const FoldRange& range : table) {
    if (cp >= range.first && cp <= range.last) return &range;
  }
  return nullptr;
}

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Lowercases the Greek and Cyrillic capitals that have a fixed offset to their small letters.
char32_t LowerGreekCyrillic(char32_t cp) {
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}

}  // namespace

char32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const auto lead = static_cast<unsigned char>(text[*pos]);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  int extra = 0;
  char32_t cp = 0;
  char32_t min_value = 0;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min_value = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min_value = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min_value = 0x10000;
  } else {
    ++*pos;
    return kInvalidCodePoint;
  }
  if (*pos + extra >= text.size()) {
    ++*pos;
    return kInvalidCodePoint;
  }
  for (int i = 1; i <= extra; ++i) {
    const auto byte = static_cast<unsigned char>(text[*pos + i]);
    if (!IsContinuation(byte)) {
      ++*pos;
      return kInvalidCodePoint;
    }
    cp = (cp << 6) | (byte & 0x3F);
  }
  if (cp < min_value || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return kInvalidCodePoint;
  }
  *pos += extra + 1;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

CharClass ClassifyChar(char32_t cp) {
  // Fast path for ASCII, which is most of any text.
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      return CharClass::kWord;
    }
    return cp == '\'' ? CharClass::kApostrophe : CharClass::kSeparator;
  }
  if (cp == kInvalidCodePoint) return CharClass::kSeparator;
  if (cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) return CharClass::kApostrophe;
  // Latin-1 ordinal indicators are letters although they sit in a symbol block.
  if (cp == 0xAA || cp == 0xBA) return CharClass::kWord;
  if ((cp >= 0x300 && cp <= 0x36F) || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F)) {
    return CharClass::kIgnorable;
  }
  if (FindRange(kSeparatorBlocks, cp) != nullptr) return CharClass::kSeparator;
  if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF)) {
    return CharClass::kIdeograph;
  }
  return CharClass::kWord;
}

void AppendFolded(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    return;
  }
  if (cp <= 0xFF) {
    if (const FoldRange* range = FindRange(kLatin1Folds, cp)) {
      out->append(range->folded);
      return;
    }
  } else if (cp <= 0x17F) {
    if (const FoldRange* range = FindRange(kLatinExtAFolds, cp)) {
      out->append(range->folded);
      return;
    }
  }
  AppendUtf8(LowerGreekCyrillic(cp), out);
}

}  // namespace memoryd::text
