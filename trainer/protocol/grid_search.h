#ifndef TAILOR_TRAINER_PROTOCOL_GRID_SEARCH_H_
#define TAILOR_TRAINER_PROTOCOL_GRID_SEARCH_H_

// Small grid searches over job-spec fields and options: every combination
// is evaluated on the same protocol split, and rows are sorted by the
// protocol's main metric (best first; failed combinations last, with their
// error). Also the "algorithm:key=value:..." entries of `tailor eval
// --algorithms`. Stateless.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tailor/v1/job.pb.h"
#include "trainer/protocol/protocol_runner.h"
#include "trainer/protocol/protocol_split.h"

namespace tailor {

// name = value; name is a scalar JobSpec field (factors, regularization,
// learning_rate, solver=cg, ...) or else an entry of the `options` map.
using Setting = std::pair<std::string, std::string>;

struct GridAxis {
  std::string name;
  std::vector<std::string> values;
};

// "factors=32,64;regularization=0.01,0.1" -> two axes. Errors name the bad
// part (missing '=', no values, a repeated name).
absl::StatusOr<std::vector<GridAxis>> ParseGrid(const std::string& text);

// Every combination, the last axis varying fastest. Errors when there are
// more than `max_combinations`.
absl::StatusOr<std::vector<std::vector<Setting>>> GridCombinations(
    const std::vector<GridAxis>& axes, int max_combinations = 256);

// Sets one field (by protobuf reflection; enums accept "cg" for SOLVER_CG)
// or option. Errors: a value that does not parse as the field's type, a
// negative value for an unsigned field, a message field.
absl::Status ApplySetting(const Setting& setting, tailor::v1::JobSpec& spec);

// "user_knn:similarity=msd:neighbors=40" -> algorithm and settings.
absl::StatusOr<std::pair<std::string, std::vector<Setting>>>
ParseAlgorithmEntry(const std::string& entry);

struct GridRow {
  std::vector<Setting> settings;
  tailor::v1::JobSpec spec;  // as evaluated (defaults applied)
  ProtocolRun run;           // valid when error is empty
  std::string error;
};

// Evaluates `base` with each combination applied on `split`, sorted by
// MainMetric (ascending for rmse). Errors only for a bad grid; a failing
// combination becomes a row with `error` set.
absl::StatusOr<std::vector<GridRow>> RunGridSearch(
    const tailor::v1::JobSpec& base, const std::vector<GridAxis>& axes,
    const ProtocolSplit& split, const RunOptions& options);

// Sorts rows best first by `metric` (errors and missing values last).
void SortRows(const std::string& metric, std::vector<GridRow>& rows);

}  // namespace tailor

#endif  // TAILOR_TRAINER_PROTOCOL_GRID_SEARCH_H_
