#ifndef TAILOR_PARAMETER_SERVER_UPDATE_RULE_H_
#define TAILOR_PARAMETER_SERVER_UPDATE_RULE_H_

// How a pushed value changes a stored row: the server's injected update rule
// (assign, add, an SGD step or an AdaGrad step with its per-value
// accumulator). Implementations are immutable, so thread-safe.

#include <memory>

#include "absl/status/statusor.h"
#include "parameter_server/ps_types.h"

namespace tailor {

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  // True when the rule ignores the old row (ASSIGN), so a new row need not be
  // initialized first.
  virtual bool OverwritesRow() const = 0;
  // > 0 when the rule keeps a per-value accumulator; new accumulator values
  // start at this value.
  virtual float InitialAccumulator() const = 0;
  // Applies `value` (dim floats) to `row` (dim floats). `accumulator` is dim
  // floats when InitialAccumulator() > 0, else null.
  virtual void Apply(const float* value, float* row, float* accumulator,
                     int dim) const = 0;
};

// The rule for `op` (and `optimizer` for kOptimizerStep, validated here).
// INVALID_ARGUMENT for a bad optimizer configuration.
absl::StatusOr<std::unique_ptr<UpdateRule>> MakeUpdateRule(
    PushOp op, const OptimizerConfig& optimizer);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_UPDATE_RULE_H_
