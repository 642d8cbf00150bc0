#ifndef TAILOR_PARAMETER_SERVER_INITIALIZER_H_
#define TAILOR_PARAMETER_SERVER_INITIALIZER_H_

// The deterministic initial value of a never-written row: a pure function of
// (InitializerSpec, key, column), exactly as docs/protocols.md
// ("Deterministic initialization") specifies, so every shard, client and
// restart computes the same row. Pure functions, thread-safe.

#include <cstdint>

#include "absl/types/span.h"
#include "parameter_server/ps_types.h"

namespace tailor {

// Writes the initial row of `key` into `row` (row.size() is the dim).
void InitialRow(const InitializerSpec& init, uint64_t key,
                absl::Span<float> row);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_INITIALIZER_H_
