#ifndef TAILOR_PARAMETER_SERVER_REQUEST_CHECKS_H_
#define TAILOR_PARAMETER_SERVER_REQUEST_CHECKS_H_

// Checks of the wire rules of common.proto (sorted unique keys, row shapes,
// finite values, chunk limits). Each returns INVALID_ARGUMENT with an
// ErrorInfo whose reason and index name the first offending element, and a
// message starting with `context` (e.g. "Push to table 'items'"). Pure
// functions, thread-safe.

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tailor {

// keys strictly ascending, and above `previous` (the last key of the earlier
// chunks of a stream) when given. Reported indexes add `index_offset`.
absl::Status CheckKeysAscending(absl::Span<const uint64_t> keys,
                                std::optional<uint64_t> previous,
                                absl::string_view context,
                                absl::string_view field, int64_t index_offset);

// A row block: given_dim equals table_dim, values.size() == rows * dim,
// every value finite, and rows * (8 + 4 * dim) within one chunk.
absl::Status CheckRowBlock(int table_dim, int given_dim, size_t rows,
                           absl::Span<const float> values,
                           absl::string_view context);

// At most WIRE_LIMIT_MAX_REQUEST_KEYS keys in one request.
absl::Status CheckRequestKeyCount(size_t keys, absl::string_view context);

// A required field is missing (ERROR_REASON_MISSING_FIELD).
absl::Status MissingField(absl::string_view field, absl::string_view context);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_REQUEST_CHECKS_H_
