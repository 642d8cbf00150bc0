#ifndef TAILOR_CORE_DATASET_TSV_H_
#define TAILOR_CORE_DATASET_TSV_H_

// Field escaping of users.tsv and items.tsv (docs/formats/dataset.md):
// backslash, tab, newline and carriage return are written as \\, \t, \n
// and \r; every other byte is written as is. Pure functions.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor {

// Appends the escaped form of `field` to `out`.
void AppendTsvEscaped(absl::string_view field, std::string* out);

// Undoes AppendTsvEscaped; INVALID_ARGUMENT on an unknown escape or a
// trailing lone backslash.
absl::StatusOr<std::string> TsvUnescape(absl::string_view field);

// Splits one line (without its '\n') on tabs and unescapes every field.
absl::StatusOr<std::vector<std::string>> SplitTsvLine(absl::string_view line);

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_TSV_H_
