#ifndef TAILOR_TRAINER_SGD_SGD_OPTIONS_H_
#define TAILOR_TRAINER_SGD_SGD_OPTIONS_H_

// Options of the SGD family (biased MF, PMF, NMF, BPR, logistic), shared by
// the single-process trainer and the distributed worker. Defaults follow
// Surprise's `SVD`: 20 epochs, lr 0.005, reg 0.02, init normal(0, 0.1).

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor {

enum class SgdAlgorithm { kBiasedMf, kPmf, kNmf, kBpr, kLogistic };

// "biased_mf", "pmf", "nmf", "bpr", "logistic".
absl::string_view SgdAlgorithmName(SgdAlgorithm algorithm);
absl::StatusOr<SgdAlgorithm> ParseSgdAlgorithm(absl::string_view name);
// True for bpr and logistic (implicit data, sampled negatives).
bool UsesNegatives(SgdAlgorithm algorithm);

// Learning rate at epoch e (0-based), lr0 = SgdOptions::learning_rate:
//   kConstant:    lr0
//   kInverse:     lr0 / (1 + decay * e)
//   kStep:        lr0 * gamma^floor(e / step_epochs)
//   kExponential: lr0 * gamma^e
struct LrSchedule {
  enum class Kind { kConstant, kInverse, kStep, kExponential };
  Kind kind = Kind::kConstant;
  float decay = 0.0f;
  float gamma = 1.0f;
  int step_epochs = 1;
};
absl::StatusOr<LrSchedule::Kind> ParseLrScheduleKind(absl::string_view name);
float LearningRateAt(const LrSchedule& schedule, float lr0, int epoch);

// How negatives are drawn (bpr, logistic): uniformly over items, or
// proportionally to item popularity^exponent (alias sampler).
enum class NegativeSampling { kUniform, kPopularity };
absl::StatusOr<NegativeSampling> ParseNegativeSampling(absl::string_view name);

struct SgdOptions {
  SgdAlgorithm algorithm = SgdAlgorithm::kBiasedMf;
  int factors = 100;              // k >= 1 (Surprise's default is 100)
  float learning_rate = 0.005f;   // factors; > 0
  float bias_learning_rate = -1;  // < 0: same as learning_rate
  LrSchedule schedule;
  float reg_factors = 0.02f;  // L2 on factors; >= 0
  float reg_bias = 0.02f;     // L2 on biases; >= 0
  float init_mean = 0.0f;     // factors ~ normal(init_mean, init_stddev);
  float init_stddev = 0.1f;   // nmf: |normal| (non-negative)
  int epochs = 20;            // used by Train()
  // bpr / logistic only.
  int negatives = 1;  // negatives per positive, >= 1
  NegativeSampling sampling = NegativeSampling::kUniform;
  float popularity_exponent = 1.0f;    // kPopularity: weight = count^exponent
  bool reject_known_negatives = true;  // redraw negatives the user has
  int max_negative_draws = 8;          // draws before a negative is skipped
  // Parallel schedule.
  uint64_t seed = 42;
  int threads = 1;            // >= 1
  int grid = 0;               // row/column blocks per side; 0: 2*threads+2
  bool deterministic = true;  // fixed strata (see docs/algorithms/sgd.md)
  // Divergence: an epoch whose loss is not finite, or exceeds
  // divergence_factor x the first epoch's loss, is an error.
  float divergence_factor = 100.0f;
};

// Checks every field; the message names the offending option and value.
absl::Status ValidateSgdOptions(const SgdOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_SGD_OPTIONS_H_
