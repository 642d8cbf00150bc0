#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "tools/ingest/column_mapping.h"
#include "tools/ingest/field_parsers.h"
#include "tools/ingest/ingester.h"
#include "tools/ingest/input_stream.h"

namespace tailor {
namespace ingest_internal {

absl::Status Ingester::RunAttributes(const AttributeSource& src, bool users,
                                     DatasetSource* out) {
  RejectLog* log = &result_->attribute_rejects;
  EntityTable& table = users ? writer_->users() : writer_->items();
  TAILOR_ASSIGN_OR_RETURN(OpenedInput in,
                          OpenInputStream(options_.fs, src.path));
  out->role = users ? "users" : "items";
  out->path = src.path;
  out->compression = CompressionName(in.compression);
  LineReaderOptions lro;
  lro.max_line_bytes = options_.max_line_bytes;
  LineReader reader(std::move(in.stream), lro);
  LineChunk chunk;
  absl::string_view text;
  bool eof = false;
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<std::string> header,
      ReadHeader(&reader, src.format, src.path, &text, &chunk, &eof));
  if (eof) {
    return absl::InvalidArgumentError(absl::StrCat(src.path, ": empty input"));
  }
  TAILOR_ASSIGN_OR_RETURN(
      int id_col, ResolveColumn(src.id_column, header, -1, src.path, "id"));
  if (id_col < 0) id_col = 0;
  std::vector<AttributeColumn> columns = src.columns;
  if (columns.empty()) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (static_cast<int>(i) != id_col) {
        columns.push_back({header[i], std::to_string(i), {}, {}});
      }
    }
  }
  TAILOR_ASSIGN_OR_RETURN(std::vector<AttributePlan> plans,
                          ResolveAttributes(columns, header, -1, src.path));
  std::vector<std::string> names;
  for (const AttributePlan& p : plans) names.push_back(p.name);
  if (!table.attribute_names().empty() && table.attribute_names() != names) {
    return absl::InvalidArgumentError(absl::StrCat(
        src.path, ": attribute columns differ from those already set"));
  }
  table.SetAttributeNames(names);
  int needed = id_col;
  for (const AttributePlan& p : plans) {
    needed = std::max(needed, p.column);
    for (int c : p.flags) needed = std::max(needed, c);
  }
  const int expected =
      src.format.has_header ? static_cast<int>(header.size()) : needed + 1;
  CsvTokenizer tok(src.format.dialect);
  int64_t line_no = src.format.has_header ? 1 : 0;
  int64_t accepted = 0;
  std::string converted;
  std::vector<std::string> values;
  for (;;) {
    auto handle = [&](absl::string_view line) -> absl::Status {
      ++line_no;
      auto reject = [&](absl::string_view reason, bool is_error,
                        absl::string_view detail) {
        return Reject(log, absl::StrCat(out->role, "_file:", reason), is_error,
                      src.path, line_no, line, detail);
      };
      if (chunk.overlong || line.size() > options_.max_line_bytes) {
        return reject("line_too_long", true, "");
      }
      if (line.empty()) return reject("blank_line", false, "");
      if (src.format.latin1) {
        converted = Latin1ToUtf8(line);
        line = converted;
      }
      if (tok.Split(line) != TokenizeResult::kOk) {
        return reject("bad_quote", true, "");
      }
      const auto f = tok.fields();
      if (static_cast<int>(f.size()) < expected) {
        return reject("missing_columns", true, "");
      }
      if (src.format.has_header && static_cast<int>(f.size()) > expected) {
        return reject("extra_columns", true, "");
      }
      absl::string_view id = TrimSpaces(f[id_col]);
      if (src.normalize_numeric_ids) id = NormalizeNumericId(id);
      if (id.empty()) return reject("missing_id", true, "");
      if (!IsValidUtf8(id)) return reject("invalid_utf8", true, "id");
      const uint64_t key =
          users ? options_.hasher.UserKey(id) : options_.hasher.ItemKey(id);
      absl::StatusOr<uint32_t> ord = table.Intern(key, id);
      if (!ord.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat(src.path, ":", line_no, ": ", ord.status().message()));
      }
      if (!seen_.insert(*ord).second) {
        return reject("duplicate_id", true, "");
      }
      values.clear();
      for (const AttributePlan& p : plans) {
        values.push_back(ExtractAttribute(p, f));
      }
      table.SetAttributes(*ord, values);
      ++accepted;
      return absl::OkStatus();
    };
    if (chunk.overlong) {
      TAILOR_RETURN_IF_ERROR(handle(chunk.text.substr(0, 200)));
    } else {
      absl::Status s;
      ForEachLine(text, [&](absl::string_view line) {
        if (s.ok()) s = handle(line);
      });
      TAILOR_RETURN_IF_ERROR(s);
    }
    TAILOR_ASSIGN_OR_RETURN(bool more, reader.Next(&chunk));
    if (!more) break;
    text = chunk.text;
  }
  seen_.clear();
  out->lines_read = line_no - (src.format.has_header ? 1 : 0);
  out->accepted = accepted;
  return absl::OkStatus();
}

}  // namespace ingest_internal
}  // namespace tailor
