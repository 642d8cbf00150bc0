#include "parameter_server/ps_types.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

absl::Status Invalid(v1::ErrorReason reason, const std::string& subject,
                     absl::string_view field, absl::string_view message) {
  ErrorDetail detail;
  detail.reason = reason;
  detail.subject = subject;
  detail.field = std::string(field);
  return PsError(absl::StatusCode::kInvalidArgument, detail, message);
}

}  // namespace

bool InitializerSpec::operator==(const InitializerSpec& o) const {
  if (kind != o.kind || seed != o.seed) return false;
  switch (kind) {
    case Kind::kZeros:
      return true;
    case Kind::kNormal:
      return mean == o.mean && stddev == o.stddev;
    case Kind::kUniform:
      return low == o.low && high == o.high;
  }
  return false;
}

absl::Status ValidateTableSpec(const TableSpec& spec) {
  const std::string table = absl::StrCat("table '", spec.name, "'");
  if (spec.name.empty() || spec.name.size() > kMaxTableNameBytes) {
    return Invalid(v1::ERROR_REASON_BAD_NAME, spec.name, "name",
                   absl::StrCat(table, ": name must be 1..", kMaxTableNameBytes,
                                " bytes, has ", spec.name.size()));
  }
  for (size_t i = 0; i < spec.name.size(); ++i) {
    const char c = spec.name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return Invalid(v1::ERROR_REASON_BAD_NAME, spec.name, "name",
                     absl::StrCat(table, ": name character ", i,
                                  " is not one of [a-z0-9_]"));
    }
  }
  if (spec.dim < 1 || spec.dim > kMaxTableDim) {
    return Invalid(v1::ERROR_REASON_OUT_OF_RANGE_VALUE, spec.name, "dim",
                   absl::StrCat(table, ": dim ", spec.dim, " is not in 1..",
                                kMaxTableDim));
  }
  const InitializerSpec& init = spec.init;
  switch (init.kind) {
    case InitializerSpec::Kind::kZeros:
      break;
    case InitializerSpec::Kind::kNormal:
      if (!std::isfinite(init.mean) || !std::isfinite(init.stddev) ||
          !(init.stddev > 0)) {
        return Invalid(v1::ERROR_REASON_OUT_OF_RANGE_VALUE, spec.name,
                       "init.stddev",
                       absl::StrCat(table,
                                    ": normal initializer needs a "
                                    "finite mean and stddev > 0, got "
                                    "mean ",
                                    init.mean, " stddev ", init.stddev));
      }
      break;
    case InitializerSpec::Kind::kUniform:
      if (!std::isfinite(init.low) || !std::isfinite(init.high) ||
          !(init.low < init.high)) {
        return Invalid(v1::ERROR_REASON_OUT_OF_RANGE_VALUE, spec.name,
                       "init.low",
                       absl::StrCat(table,
                                    ": uniform initializer needs "
                                    "finite low < high, got [",
                                    init.low, ", ", init.high, ")"));
      }
      break;
    default:
      return Invalid(v1::ERROR_REASON_MISSING_FIELD, spec.name, "init.kind",
                     absl::StrCat(table, ": initializer kind is not set"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOptimizer(const OptimizerConfig& c) {
  if (c.kind != OptimizerConfig::Kind::kSgd &&
      c.kind != OptimizerConfig::Kind::kAdaGrad) {
    return Invalid(v1::ERROR_REASON_MISSING_FIELD, "", "header.optimizer.kind",
                   "optimizer step without an optimizer kind (SGD or "
                   "ADAGRAD)");
  }
  if (!std::isfinite(c.learning_rate) || !(c.learning_rate > 0)) {
    return Invalid(v1::ERROR_REASON_OUT_OF_RANGE_VALUE, "",
                   "header.optimizer.learning_rate",
                   absl::StrCat("optimizer learning_rate must be finite and "
                                "> 0, got ",
                                c.learning_rate));
  }
  if (!std::isfinite(c.l2) || c.l2 < 0) {
    return Invalid(
        v1::ERROR_REASON_OUT_OF_RANGE_VALUE, "", "header.optimizer.l2",
        absl::StrCat("optimizer l2 must be finite and >= 0, got ", c.l2));
  }
  if (!std::isfinite(c.epsilon) || c.epsilon < 0) {
    return Invalid(v1::ERROR_REASON_OUT_OF_RANGE_VALUE, "",
                   "header.optimizer.epsilon",
                   absl::StrCat("optimizer epsilon must be finite and >= 0 "
                                "(0 = default 1e-8), got ",
                                c.epsilon));
  }
  if (!std::isfinite(c.initial_accumulator) || c.initial_accumulator < 0) {
    return Invalid(v1::ERROR_REASON_OUT_OF_RANGE_VALUE, "",
                   "header.optimizer.initial_accumulator",
                   absl::StrCat("optimizer initial_accumulator must be finite "
                                "and >= 0 (0 = default 0.1), got ",
                                c.initial_accumulator));
  }
  return absl::OkStatus();
}

}  // namespace tailor
