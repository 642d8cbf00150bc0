#include "tools/ingest/column_mapping.h"

#include <charconv>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tailor {

absl::StatusOr<int> ResolveColumn(absl::string_view ref,
                                  absl::Span<const std::string> header,
                                  int num_fields, absl::string_view file,
                                  absl::string_view role) {
  if (ref.empty()) return -1;
  int index = -1;
  int first = -1;
  int count = 0;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == ref) {
      if (first < 0) first = static_cast<int>(i);
      ++count;
    }
  }
  if (count > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": the ", role, " column \"", ref,
        "\" is ambiguous: the header has it ", count,
        " times (duplicate header); name the column by index instead"));
  }
  if (count == 1) return first;
  const char* end = ref.data() + ref.size();
  auto r = std::from_chars(ref.data(), end, index);
  if (r.ec != std::errc() || r.ptr != end || index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": no ", role, " column \"", ref, "\"",
        header.empty() ? " (the file has no header; use a 0-based index)"
                       : absl::StrCat(" in the header [",
                                      absl::StrJoin(header, ","), "]")));
  }
  const int width =
      header.empty() ? num_fields : static_cast<int>(header.size());
  if (width >= 0 && index >= width) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": ", role, " column index ", index,
                     " is out of range (", width, " columns)"));
  }
  return index;
}

std::vector<std::string> DuplicateNames(absl::Span<const std::string> header) {
  absl::flat_hash_map<std::string, int> seen;
  std::vector<std::string> dups;
  for (const std::string& h : header) {
    if (++seen[h] == 2) dups.push_back(h);
  }
  return dups;
}

}  // namespace tailor
