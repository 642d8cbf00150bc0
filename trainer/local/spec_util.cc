#include "trainer/local/spec_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<double> DoubleOption(const tailor::v1::JobSpec& spec,
                                    const std::string& name, double fallback) {
  auto it = spec.options().find(name);
  if (it == spec.options().end()) return fallback;
  double value = 0;
  if (!absl::SimpleAtod(it->second, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("option ", name, "='", it->second, "' is not a number"));
  }
  return value;
}

absl::StatusOr<bool> BoolOption(const tailor::v1::JobSpec& spec,
                                const std::string& name, bool fallback) {
  auto it = spec.options().find(name);
  if (it == spec.options().end()) return fallback;
  bool value = false;
  if (!absl::SimpleAtob(it->second, &value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "option ", name, "='", it->second, "' is not true or false"));
  }
  return value;
}

std::string StringOption(const tailor::v1::JobSpec& spec,
                         const std::string& name, const std::string& fallback) {
  auto it = spec.options().find(name);
  return it == spec.options().end() ? fallback : it->second;
}

void ApplyAlgorithmDefaults(tailor::v1::JobSpec& spec) {
  const std::string& a = spec.algorithm();
  const bool sgd = a == "biased_mf" || a == "pmf" || a == "nmf" || a == "bpr" ||
                   a == "logistic";
  if (!spec.has_factors()) spec.set_factors(a == "biased_mf" ? 100 : 64);
  if (!spec.has_iterations()) spec.set_iterations(sgd ? 20 : 15);
  if (!spec.has_regularization()) {
    spec.set_regularization(a == "ials"  ? 0.01
                            : a == "als" ? 0.1
                            : sgd        ? 0.02
                                         : 0.0);
  }
  if (!spec.has_alpha()) spec.set_alpha(1.0);
  if (!spec.has_alpha0()) spec.set_alpha0(0.0);
  if (!spec.has_learning_rate()) {
    spec.set_learning_rate(a == "bpr" || a == "logistic" ? 0.05 : 0.005);
  }
  if (!spec.has_negatives()) spec.set_negatives(1);
  if (!spec.has_cg_steps()) spec.set_cg_steps(3);
  if (!spec.has_neighbors()) spec.set_neighbors(40);
  if (!spec.has_init_stddev()) spec.set_init_stddev(sgd ? 0.1 : 0.01);
}

}  // namespace tailor
