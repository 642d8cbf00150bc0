#include "core/dataset/tsv.h"

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace tailor {

void AppendTsvEscaped(absl::string_view field, std::string* out) {
  // Runs of bytes that need no escape are appended whole.
  const char* p = field.data();
  const char* const end = p + field.size();
  const char* run = p;
  for (; p < end; ++p) {
    const char c = *p;
    const char* escaped;
    switch (c) {
      case '\\':
        escaped = "\\\\";
        break;
      case '\t':
        escaped = "\\t";
        break;
      case '\n':
        escaped = "\\n";
        break;
      case '\r':
        escaped = "\\r";
        break;
      default:
        continue;
    }
    out->append(run, static_cast<size_t>(p - run));
    out->append(escaped, 2);
    run = p + 1;
  }
  out->append(run, static_cast<size_t>(end - run));
}

absl::StatusOr<std::string> TsvUnescape(absl::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out.push_back(field[i]);
      continue;
    }
    if (++i == field.size()) {
      return absl::InvalidArgumentError("trailing backslash in a TSV field");
    }
    switch (field[i]) {
      case '\\':
        out.push_back('\\');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      default:
        return absl::InvalidArgumentError(std::string("unknown escape \\") +
                                          field[i] + " in a TSV field");
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> SplitTsvLine(absl::string_view line) {
  std::vector<std::string> fields;
  for (absl::string_view f : absl::StrSplit(line, '\t')) {
    TAILOR_ASSIGN_OR_RETURN(std::string u, TsvUnescape(f));
    fields.push_back(std::move(u));
  }
  return fields;
}

}  // namespace tailor
