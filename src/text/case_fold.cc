#include "text/case_fold.h"

#include "text/char_fold.h"

namespace memoryd::text {

char32_t LowercaseCodePoint(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
  if (cp < 0xC0) return cp;
  if (cp <= 0xDE) return cp == 0xD7 ? cp : cp + 0x20;  // Latin-1 capitals, not the sign ×
  if (cp >= 0x100 && cp <= 0x137) return cp | 1;       // Latin Extended-A: capital, small pairs
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;  // Greek capitals
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;                 // Cyrillic Ѐ..Џ
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                 // Cyrillic А..Я
  return cp;
}

std::string FoldForMatch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8(text, &pos);
    const char32_t lower = cp == kInvalidCodePoint ? cp : LowercaseCodePoint(cp);
    if (lower == cp) {
      out.append(text.substr(start, pos - start));
    } else {
      AppendUtf8(lower, &out);
    }
  }
  return out;
}

}  // namespace memoryd::text
