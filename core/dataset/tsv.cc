#include "core/dataset/tsv.h"

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace tailor {

void AppendTsvEscaped(absl::string_view field, std::string* out) {
  for (const char c : field) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
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
