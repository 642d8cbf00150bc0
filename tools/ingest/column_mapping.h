#ifndef TAILOR_TOOLS_INGEST_COLUMN_MAPPING_H_
#define TAILOR_TOOLS_INGEST_COLUMN_MAPPING_H_

// Resolves column references (header names or 0-based indices) against a
// file's header.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tailor {

// Index of column `ref` in `header` (empty when the file has none). `ref`
// may be a header name or a 0-based index in digits. Returns -1 for an empty
// ref. Errors name `file` and say what is wrong: unknown name (listing the
// header), a name that appears more than once, an index without a header
// that is out of range only when `num_fields` (of the first data line) is
// known (>= 0).
absl::StatusOr<int> ResolveColumn(absl::string_view ref,
                                  absl::Span<const std::string> header,
                                  int num_fields, absl::string_view file,
                                  absl::string_view role);

// Header names that occur more than once (for a warning).
std::vector<std::string> DuplicateNames(absl::Span<const std::string> header);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_COLUMN_MAPPING_H_
