#include "parameter_server/update_rule.h"

#include <cmath>
#include <cstring>

#include "core/status_macros.h"

namespace tailor {
namespace {

class AssignRule final : public UpdateRule {
 public:
  bool OverwritesRow() const override { return true; }
  float InitialAccumulator() const override { return 0.0f; }
  void Apply(const float* value, float* row, float*, int dim) const override {
    std::memcpy(row, value, sizeof(float) * dim);
  }
};

class AddRule final : public UpdateRule {
 public:
  bool OverwritesRow() const override { return false; }
  float InitialAccumulator() const override { return 0.0f; }
  void Apply(const float* value, float* row, float*, int dim) const override {
    for (int c = 0; c < dim; ++c) row[c] += value[c];
  }
};

// row -= lr * (g + l2 * row)
class SgdRule final : public UpdateRule {
 public:
  SgdRule(float lr, float l2) : lr_(lr), l2_(l2) {}
  bool OverwritesRow() const override { return false; }
  float InitialAccumulator() const override { return 0.0f; }
  void Apply(const float* g, float* row, float*, int dim) const override {
    for (int c = 0; c < dim; ++c) row[c] -= lr_ * (g[c] + l2_ * row[c]);
  }

 private:
  float lr_, l2_;
};

// g' = g + l2 * row; acc += g'^2; row -= lr * g' / (sqrt(acc) + eps)
class AdaGradRule final : public UpdateRule {
 public:
  AdaGradRule(float lr, float l2, float eps, float initial)
      : lr_(lr), l2_(l2), eps_(eps), initial_(initial) {}
  bool OverwritesRow() const override { return false; }
  float InitialAccumulator() const override { return initial_; }
  void Apply(const float* g, float* row, float* acc, int dim) const override {
    for (int c = 0; c < dim; ++c) {
      const float grad = g[c] + l2_ * row[c];
      acc[c] += grad * grad;
      row[c] -= lr_ * grad / (std::sqrt(acc[c]) + eps_);
    }
  }

 private:
  float lr_, l2_, eps_, initial_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<UpdateRule>> MakeUpdateRule(
    PushOp op, const OptimizerConfig& optimizer) {
  switch (op) {
    case PushOp::kAssign:
      return std::unique_ptr<UpdateRule>(new AssignRule());
    case PushOp::kAdd:
      return std::unique_ptr<UpdateRule>(new AddRule());
    case PushOp::kOptimizerStep:
      break;
    default:
      return absl::InvalidArgumentError("push op is not set");
  }
  TAILOR_RETURN_IF_ERROR(ValidateOptimizer(optimizer));
  if (optimizer.kind == OptimizerConfig::Kind::kSgd) {
    return std::unique_ptr<UpdateRule>(
        new SgdRule(optimizer.learning_rate, optimizer.l2));
  }
  const float eps = optimizer.epsilon == 0 ? 1e-8f : optimizer.epsilon;
  const float initial =
      optimizer.initial_accumulator == 0 ? 0.1f : optimizer.initial_accumulator;
  return std::unique_ptr<UpdateRule>(
      new AdaGradRule(optimizer.learning_rate, optimizer.l2, eps, initial));
}

}  // namespace tailor
