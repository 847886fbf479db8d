#include "text/tokenizer.h"

#include "text/char_fold.h"

namespace memoryd::text {
namespace {

// One pass over the input; the class only exists to share the cursor between small steps.
class TokenScanner {
 public:
  explicit TokenScanner(std::string_view text) : text_(text) {}

  std::vector<std::string> Run() {
    while (pos_ < text_.size()) Step();
    Flush();
    return std::move(tokens_);
  }

 private:
  void Step() {
    const char32_t cp = DecodeUtf8(text_, &pos_);
    switch (ClassifyChar(cp)) {
      case CharClass::kWord:
        Append(cp);
        break;
      case CharClass::kIgnorable:
        break;
      case CharClass::kIdeograph:
        Flush();
        Append(cp);
        Flush();
        break;
      case CharClass::kApostrophe:
        OnApostrophe();
        break;
      case CharClass::kSeparator:
        OnSeparator(cp);
        break;
    }
  }

  // Looks at the code point after the cursor without consuming it; 0 at the end of the text.
  char32_t Peek(size_t ahead_pos) const {
    if (ahead_pos >= text_.size()) return 0;
    return DecodeUtf8(text_, &ahead_pos);
  }

  static bool IsLetter(char32_t cp) {
    return cp != 0 && ClassifyChar(cp) == CharClass::kWord && !IsAsciiDigit(cp);
  }

  void OnApostrophe() {
    const char32_t next = Peek(pos_);
    if (current_.empty() || !IsLetter(next)) {
      Flush();
      return;
    }
    if (next == 's' || next == 'S') {
      size_t after = pos_ + 1;
      const char32_t following = Peek(after);
      if (following == 0 || ClassifyChar(following) != CharClass::kWord) {
        pos_ = after;  // drop the possessive or contracted "'s"
        Flush();
      }
    }
    // Otherwise the apostrophe is inside a word ("don't"): drop it and keep going.
  }

  void OnSeparator(char32_t cp) {
    const bool in_number = !current_.empty() &&
                           IsAsciiDigit(static_cast<unsigned char>(current_.back())) &&
                           IsAsciiDigit(Peek(pos_));
    if (in_number && cp == '.') {
      current_.push_back('.');
      return;
    }
    if (in_number && cp == ',') return;
    Flush();
  }

  void Append(char32_t cp) {
    folded_.clear();
    AppendFolded(cp, &folded_);
    // Overlong tokens are cut on a code point boundary; the rest of the run is skipped.
    if (current_.size() + folded_.size() <= kMaxTokenBytes) current_ += folded_;
  }

  void Flush() {
    if (current_.empty()) return;
    tokens_.push_back(std::move(current_));
    current_.clear();
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string current_;
  std::string folded_;
  std::vector<std::string> tokens_;
};

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) { return TokenScanner(text).Run(); }

}  // namespace memoryd::text
