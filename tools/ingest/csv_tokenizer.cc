#include "tools/ingest/csv_tokenizer.h"

#include <cstring>

namespace tailor {

TokenizeResult CsvTokenizer::Split(absl::string_view line) {
  fields_.clear();
  const char* p = line.data();
  const char* const end = p + line.size();
  if (dialect_.quoting && memchr(p, '"', line.size()) != nullptr) {
    return SplitQuoted(line);
  }
  const char delim = dialect_.delimiter;
  for (;;) {
    const char* d = static_cast<const char*>(
        memchr(p, delim, static_cast<size_t>(end - p)));
    if (d == nullptr) {
      fields_.emplace_back(p, static_cast<size_t>(end - p));
      return TokenizeResult::kOk;
    }
    fields_.emplace_back(p, static_cast<size_t>(d - p));
    p = d + 1;
  }
}

TokenizeResult CsvTokenizer::SplitQuoted(absl::string_view line) {
  // Unescaped text is never longer than the line, so reserving the line's
  // size up front keeps views into scratch_ valid while appending.
  scratch_.clear();
  scratch_.reserve(line.size());
  const char delim = dialect_.delimiter;
  const char* p = line.data();
  const char* const end = p + line.size();
  for (;;) {
    if (p < end && *p == '"') {
      ++p;
      const char* start = p;
      bool escaped = false;
      size_t scratch_start = scratch_.size();
      for (;;) {
        const char* q = static_cast<const char*>(
            memchr(p, '"', static_cast<size_t>(end - p)));
        if (q == nullptr) return TokenizeResult::kUnterminatedQuote;
        if (q + 1 < end && q[1] == '"') {  // doubled quote
          escaped = true;
          scratch_.append(p, static_cast<size_t>(q + 1 - p));
          p = q + 2;
          continue;
        }
        if (escaped) {
          scratch_.append(p, static_cast<size_t>(q - p));
          fields_.emplace_back(scratch_.data() + scratch_start,
                               scratch_.size() - scratch_start);
        } else {
          fields_.emplace_back(start, static_cast<size_t>(q - start));
        }
        p = q + 1;
        break;
      }
      if (p == end) return TokenizeResult::kOk;
      if (*p != delim) return TokenizeResult::kTextAfterQuote;
      ++p;
      if (p == end) {
        fields_.emplace_back(p, 0);
        return TokenizeResult::kOk;
      }
      continue;
    }
    const char* d = static_cast<const char*>(
        memchr(p, delim, static_cast<size_t>(end - p)));
    if (d == nullptr) {
      fields_.emplace_back(p, static_cast<size_t>(end - p));
      return TokenizeResult::kOk;
    }
    fields_.emplace_back(p, static_cast<size_t>(d - p));
    p = d + 1;
  }
}

}  // namespace tailor
