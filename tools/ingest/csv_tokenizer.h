#ifndef TAILOR_TOOLS_INGEST_CSV_TOKENIZER_H_
#define TAILOR_TOOLS_INGEST_CSV_TOKENIZER_H_

// Splits one CSV/TSV line into fields without allocating per field.
//
// Quoting (when enabled) follows RFC 4180 within one line: a field that
// starts with '"' runs to the next '"' not followed by another '"', and
// '""' inside it stands for one '"'. The closing quote must be followed by
// the delimiter or the end of the line. A '"' inside an unquoted field is an
// ordinary character. Quoted fields cannot span lines: a record is always
// one physical line (so one stray quote cannot swallow the rest of a file).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tailor {

struct CsvDialect {
  char delimiter = ',';
  bool quoting = true;
};

enum class TokenizeResult {
  kOk,
  kUnterminatedQuote,  // a quoted field has no closing quote
  kTextAfterQuote,     // characters between a closing quote and delimiter
};

// Reusable splitter. Not thread-safe. The fields stay valid until the next
// Split call and while the line they came from is alive.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(CsvDialect dialect) : dialect_(dialect) {}

  TokenizeResult Split(absl::string_view line);
  absl::Span<const absl::string_view> fields() const { return fields_; }

 private:
  TokenizeResult SplitQuoted(absl::string_view line);

  CsvDialect dialect_;
  std::vector<absl::string_view> fields_;
  std::string scratch_;  // unescaped quoted fields that contained '""'
};

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_CSV_TOKENIZER_H_
