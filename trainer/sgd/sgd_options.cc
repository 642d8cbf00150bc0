#include "trainer/sgd/sgd_options.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::string_view SgdAlgorithmName(SgdAlgorithm algorithm) {
  switch (algorithm) {
    case SgdAlgorithm::kBiasedMf:
      return "biased_mf";
    case SgdAlgorithm::kPmf:
      return "pmf";
    case SgdAlgorithm::kNmf:
      return "nmf";
    case SgdAlgorithm::kBpr:
      return "bpr";
    case SgdAlgorithm::kLogistic:
      return "logistic";
  }
  return "unknown";
}

absl::StatusOr<SgdAlgorithm> ParseSgdAlgorithm(absl::string_view name) {
  for (SgdAlgorithm a :
       {SgdAlgorithm::kBiasedMf, SgdAlgorithm::kPmf, SgdAlgorithm::kNmf,
        SgdAlgorithm::kBpr, SgdAlgorithm::kLogistic}) {
    if (name == SgdAlgorithmName(a)) return a;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown SGD algorithm '", name,
                   "' (expected biased_mf, pmf, nmf, bpr or logistic)"));
}

bool UsesNegatives(SgdAlgorithm algorithm) {
  return algorithm == SgdAlgorithm::kBpr ||
         algorithm == SgdAlgorithm::kLogistic;
}

absl::StatusOr<LrSchedule::Kind> ParseLrScheduleKind(absl::string_view name) {
  if (name == "constant") return LrSchedule::Kind::kConstant;
  if (name == "inverse") return LrSchedule::Kind::kInverse;
  if (name == "step") return LrSchedule::Kind::kStep;
  if (name == "exponential") return LrSchedule::Kind::kExponential;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown learning-rate schedule '", name,
                   "' (expected constant, inverse, step or exponential)"));
}

float LearningRateAt(const LrSchedule& schedule, float lr0, int epoch) {
  switch (schedule.kind) {
    case LrSchedule::Kind::kConstant:
      return lr0;
    case LrSchedule::Kind::kInverse:
      return lr0 / (1.0f + schedule.decay * static_cast<float>(epoch));
    case LrSchedule::Kind::kStep:
      return lr0 * std::pow(schedule.gamma,
                            static_cast<float>(epoch / schedule.step_epochs));
    case LrSchedule::Kind::kExponential:
      return lr0 * std::pow(schedule.gamma, static_cast<float>(epoch));
  }
  return lr0;
}

absl::StatusOr<NegativeSampling> ParseNegativeSampling(absl::string_view name) {
  if (name == "uniform") return NegativeSampling::kUniform;
  if (name == "popularity") return NegativeSampling::kPopularity;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown negative sampling '", name,
                   "' (expected uniform or popularity)"));
}

namespace {

absl::Status Bad(absl::string_view option, double value,
                 absl::string_view requirement) {
  return absl::InvalidArgumentError(absl::StrCat(
      "SGD option ", option, " = ", value, " is invalid: ", requirement));
}

bool Finite(float x) { return std::isfinite(x); }

}  // namespace

absl::Status ValidateSgdOptions(const SgdOptions& o) {
  if (o.factors < 1) return Bad("factors", o.factors, "must be >= 1");
  if (o.factors > 65536) return Bad("factors", o.factors, "must be <= 65536");
  if (!Finite(o.learning_rate) || o.learning_rate <= 0)
    return Bad("learning_rate", o.learning_rate, "must be finite and > 0");
  if (!Finite(o.bias_learning_rate) || o.bias_learning_rate == 0)
    return Bad("bias_learning_rate", o.bias_learning_rate,
               "must be finite and > 0 (or < 0 for learning_rate)");
  if (!Finite(o.reg_factors) || o.reg_factors < 0)
    return Bad("reg_factors", o.reg_factors, "must be finite and >= 0");
  if (!Finite(o.reg_bias) || o.reg_bias < 0)
    return Bad("reg_bias", o.reg_bias, "must be finite and >= 0");
  if (!Finite(o.init_mean)) return Bad("init_mean", o.init_mean, "not finite");
  if (!Finite(o.init_stddev) || o.init_stddev < 0)
    return Bad("init_stddev", o.init_stddev, "must be finite and >= 0");
  if (o.epochs < 0) return Bad("epochs", o.epochs, "must be >= 0");
  if (o.negatives < 1) return Bad("negatives", o.negatives, "must be >= 1");
  if (!Finite(o.popularity_exponent) || o.popularity_exponent < 0)
    return Bad("popularity_exponent", o.popularity_exponent,
               "must be finite and >= 0");
  if (o.max_negative_draws < 1)
    return Bad("max_negative_draws", o.max_negative_draws, "must be >= 1");
  if (o.threads < 1) return Bad("threads", o.threads, "must be >= 1");
  if (o.grid < 0 || o.grid > 4096)
    return Bad("grid", o.grid, "must be in [0, 4096] (0: automatic)");
  if (!Finite(o.divergence_factor) || o.divergence_factor <= 1)
    return Bad("divergence_factor", o.divergence_factor, "must be > 1");
  const LrSchedule& s = o.schedule;
  if (!Finite(s.decay) || s.decay < 0)
    return Bad("schedule.decay", s.decay, "must be finite and >= 0");
  if (!Finite(s.gamma) || s.gamma <= 0 || s.gamma > 1)
    return Bad("schedule.gamma", s.gamma, "must be in (0, 1]");
  if (s.step_epochs < 1)
    return Bad("schedule.step_epochs", s.step_epochs, "must be >= 1");
  return absl::OkStatus();
}

}  // namespace tailor
