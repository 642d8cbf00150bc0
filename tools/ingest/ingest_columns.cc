#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "tools/ingest/column_mapping.h"
#include "tools/ingest/field_parsers.h"
#include "tools/ingest/ingester.h"

namespace tailor {
namespace ingest_internal {

absl::StatusOr<std::vector<AttributePlan>> ResolveAttributes(
    const std::vector<AttributeColumn>& columns,
    const std::vector<std::string>& header, int num_fields,
    absl::string_view file) {
  std::vector<AttributePlan> plans;
  for (const AttributeColumn& c : columns) {
    AttributePlan p;
    p.name = c.name;
    // The name goes into the dataset's manifest.json, which is UTF-8.
    if (!IsValidUtf8(p.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": attribute column name \"",
                       absl::CHexEscape(p.name), "\" is not valid UTF-8"));
    }
    if (c.flag_columns.empty()) {
      TAILOR_ASSIGN_OR_RETURN(
          p.column, ResolveColumn(c.column, header, num_fields, file, c.name));
    } else {
      for (const std::string& f : c.flag_columns) {
        TAILOR_ASSIGN_OR_RETURN(
            int idx, ResolveColumn(f, header, num_fields, file, c.name));
        p.flags.push_back(idx);
      }
      p.flag_names = c.flag_names;
      p.flag_names.resize(p.flags.size());
    }
    plans.push_back(std::move(p));
  }
  return plans;
}

// The value of one attribute from a tokenized line (valid UTF-8: invalid
// bytes are read as ISO-8859-1).
std::string ExtractAttribute(const AttributePlan& plan,
                             absl::Span<const absl::string_view> fields) {
  std::string out;
  if (plan.flags.empty()) {
    if (plan.column >= 0 && plan.column < static_cast<int>(fields.size())) {
      const absl::string_view v = TrimSpaces(fields[plan.column]);
      out = IsValidUtf8(v) ? std::string(v) : Latin1ToUtf8(v);
    }
    return out;
  }
  for (size_t i = 0; i < plan.flags.size(); ++i) {
    const int c = plan.flags[i];
    if (c < static_cast<int>(fields.size()) && TrimSpaces(fields[c]) == "1") {
      if (!out.empty()) out.push_back('|');
      out.append(plan.flag_names[i]);
    }
  }
  return out;
}

int MaxColumn(std::initializer_list<int> cols) {
  int m = -1;
  for (int c : cols) m = std::max(m, c);
  return m;
}

// Reads the header line (when the file has one) of `reader`; the rest of its
// chunk stays in *rest.
absl::StatusOr<std::vector<std::string>> ReadHeader(
    LineReader* reader, const TableFormat& format, const std::string& file,
    absl::string_view* rest, LineChunk* chunk, bool* eof) {
  std::vector<std::string> header;
  *eof = false;
  *rest = absl::string_view();
  TAILOR_ASSIGN_OR_RETURN(bool more, reader->Next(chunk));
  if (!more) {
    *eof = true;
    return header;
  }
  *rest = chunk->text;
  if (!format.has_header) return header;
  if (chunk->overlong) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":1: the header line is too long"));
  }
  const size_t nl = rest->find('\n');
  absl::string_view line = rest->substr(0, nl);
  *rest = nl == absl::string_view::npos ? absl::string_view()
                                        : rest->substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string converted;
  if (format.latin1) {
    converted = Latin1ToUtf8(line);
    line = converted;
  }
  CsvTokenizer tok(format.dialect);
  if (tok.Split(line) != TokenizeResult::kOk) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":1: malformed quotes in the header line"));
  }
  for (absl::string_view f : tok.fields()) {
    header.emplace_back(TrimSpaces(f));
  }
  return header;
}

}  // namespace ingest_internal
}  // namespace tailor
