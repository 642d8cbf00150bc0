#ifndef TAILOR_TRAINER_MARKETING_TOKENIZER_H_
#define TAILOR_TRAINER_MARKETING_TOKENIZER_H_

// Unicode-aware word tokenization of UTF-8 text (docs/marketing.md):
// decode UTF-8 (an invalid byte is a separator), lowercase (ASCII, Latin-1
// Supplement, Latin Extended-A, basic Greek and Cyrillic), and emit maximal
// runs of word characters (letters, digits, '_') of at least
// min_token_chars code points. Equals scikit-learn's default token pattern
// (?u)\b\w\w+\b after str.lower() on text drawn from those scripts.
// Stateless; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tailor {

struct TokenizerOptions {
  int min_token_chars = 2;  // in code points
  bool lowercase = true;
};

// Lowercase of code point `c` (itself when the tables have no mapping).
uint32_t LowercaseCodePoint(uint32_t c);
// Whether `c` is a word character (letter, digit, '_'); code points beyond
// the tables count as letters unless in a punctuation/symbol/mark block.
bool IsWordCodePoint(uint32_t c);
// Decodes the code point at text[*pos], advancing *pos; returns 0xFFFFFFFF
// for an invalid or truncated sequence (advancing one byte).
uint32_t DecodeUtf8(absl::string_view text, size_t* pos);
void AppendUtf8(uint32_t c, std::string* out);

// Calls fn(absl::string_view token) for each token in order. The view is
// valid only during the call.
template <typename Fn>
void ForEachToken(absl::string_view text, const TokenizerOptions& options,
                  Fn&& fn) {
  std::string token;
  int chars = 0;
  size_t pos = 0;
  auto flush = [&] {
    if (chars >= options.min_token_chars) fn(absl::string_view(token));
    token.clear();
    chars = 0;
  };
  while (pos < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[pos]);
    uint32_t c;
    if (b < 0x80) {
      c = b;
      ++pos;
    } else {
      c = DecodeUtf8(text, &pos);
    }
    if (c != 0xFFFFFFFFu && IsWordCodePoint(c)) {
      AppendUtf8(options.lowercase ? LowercaseCodePoint(c) : c, &token);
      ++chars;
    } else if (chars > 0 || !token.empty()) {
      flush();
    }
  }
  flush();
}

std::vector<std::string> Tokenize(absl::string_view text,
                                  const TokenizerOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_TOKENIZER_H_
