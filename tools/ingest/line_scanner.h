#ifndef TAILOR_TOOLS_INGEST_LINE_SCANNER_H_
#define TAILOR_TOOLS_INGEST_LINE_SCANNER_H_

// Splits a chunk of complete lines (LineChunk::text) into lines, and each
// line without quotes into fields, in one pass: 64 bytes at a time it finds
// the line ends, delimiters and quotes together (AVX2 where the build allows
// it) and walks the set bits, instead of searching each line and then each
// field separately. Lines and fields are exactly those of ForEachLine
// (line_reader.h) and CsvTokenizer::Split: a line loses its '\n' and a '\r'
// right before it; a line without '"' (or any line when quoting is off)
// splits at every delimiter. Lines that contain '"' under quoting, or have
// more than kMaxFields fields, are reported unsplit for the tokenizer.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tailor {

struct ScannedLine {
  absl::string_view line;
  // Set when `fields` holds the line's fields (as CsvTokenizer::Split would
  // give them); else the caller must tokenize `line` itself.
  bool split = false;
  absl::Span<const absl::string_view> fields;
};

// Not thread-safe (owns the field array of the current line).
class LineScanner {
 public:
  static constexpr int kMaxFields = 64;

  // Lines are never split when the delimiter is '\n', '\r', '"' or '\0'.
  LineScanner(char delimiter, bool quoting)
      : delimiter_(delimiter),
        quoting_(quoting),
        splits_(delimiter != '\n' && delimiter != '\r' && delimiter != '"' &&
                delimiter != '\0') {}

  // Calls fn(const ScannedLine&) for each line of `text` in order; fn
  // returns false to stop. Returns false when fn stopped the scan.
  template <typename Fn>
  bool Scan(absl::string_view text, Fn&& fn);

 private:
  // Bit i of the results: byte i of the 64 at p is '\n' / the delimiter /
  // '"'.
  void Masks(const char* p, uint64_t* newline, uint64_t* delim,
             uint64_t* quote) const;

  char delimiter_;
  bool quoting_;
  bool splits_;
  absl::string_view fields_[kMaxFields];
};

// Implementation.

inline void LineScanner::Masks(const char* p, uint64_t* newline,
                               uint64_t* delim, uint64_t* quote) const {
#if defined(__AVX2__)
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  auto mask = [&](char c) {
    const __m256i v = _mm256_set1_epi8(c);
    const uint32_t a =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)));
    const uint32_t b =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)));
    return uint64_t{a} | (uint64_t{b} << 32);
  };
  *newline = mask('\n');
  *delim = splits_ ? mask(delimiter_) : 0;
  *quote = quoting_ ? mask('"') : 0;
#else
  uint64_t n = 0, d = 0, q = 0;
  for (int i = 0; i < 64; ++i) {
    n |= uint64_t{p[i] == '\n'} << i;
    d |= uint64_t{splits_ && p[i] == delimiter_} << i;
    q |= uint64_t{quoting_ && p[i] == '"'} << i;
  }
  *newline = n;
  *delim = d;
  *quote = q;
#endif
}

template <typename Fn>
bool LineScanner::Scan(absl::string_view text, Fn&& fn) {
  const char* const base = text.data();
  const size_t size = text.size();
  size_t line_start = 0, field_start = 0;
  int num_fields = 0;
  bool unsplit = !splits_;  // a quote, or too many fields
  auto emit = [&](size_t end) {
    size_t stop = end;
    if (stop > line_start && base[stop - 1] == '\r') --stop;
    ScannedLine sl;
    sl.line = absl::string_view(base + line_start, stop - line_start);
    // A '\r' removed from the end belongs to the last field (the delimiter
    // is never '\r', so field_start <= stop).
    if (!unsplit && num_fields < kMaxFields) {
      fields_[num_fields++] =
          absl::string_view(base + field_start, stop - field_start);
      sl.split = true;
      sl.fields = absl::MakeConstSpan(fields_, num_fields);
    }
    line_start = field_start = end + 1;
    num_fields = 0;
    unsplit = !splits_;
    return fn(static_cast<const ScannedLine&>(sl));
  };
  char tail[64];
  for (size_t block = 0; block < size; block += 64) {
    const char* p = base + block;
    const size_t n = size - block;
    uint64_t newline, delim, quote;
    if (n >= 64) {
      Masks(p, &newline, &delim, &quote);
    } else {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, p, n);
      Masks(tail, &newline, &delim, &quote);
      const uint64_t valid = (uint64_t{1} << n) - 1;
      newline &= valid;
      delim &= valid;
      quote &= valid;
    }
    uint64_t any = newline | delim | quote;
    while (any != 0) {
      const int bit = __builtin_ctzll(any);
      any &= any - 1;
      const uint64_t m = uint64_t{1} << bit;
      const size_t pos = block + static_cast<size_t>(bit);
      if (newline & m) {
        if (!emit(pos)) return false;
      } else if (quote & m) {
        unsplit = true;
      } else if (num_fields < kMaxFields - 1) {
        fields_[num_fields++] =
            absl::string_view(base + field_start, pos - field_start);
        field_start = pos + 1;
      } else {
        unsplit = true;
      }
    }
  }
  if (line_start < size) return emit(size);
  return true;
}

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_LINE_SCANNER_H_
