#ifndef TAILOR_TRAINER_ALS_EXPLICIT_ALS_H_
#define TAILOR_TRAINER_ALS_EXPLICIT_ALS_H_

// Explicit-feedback ALS for ratings, with optional user and item biases:
// minimizes sum over observed (u,i) of (r - mu - b_u - b_i - x_u.y_i)^2
// + sum_u s_u (lambda |x_u|^2 + lambda_b b_u^2) + (same for items), with
// mu the global mean (0 without biases) and s_u = 1 or, frequency-scaled,
// nnz_u^nu. Without biases and with nu = 1 this is exactly Spark MLlib's
// ALS objective (explicit mode). Each half-step solves every row exactly
// (Cholesky) or by warm-started CG. Users or items without ratings get zero
// factors and bias. Not thread-safe; parallel inside each call; results do
// not depend on the thread count.

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "trainer/als/factor_matrix.h"

namespace tailor {

struct ExplicitAlsOptions {
  enum class Solver { kCholesky, kConjugateGradient };
  int factors = 10;                  // k >= 1
  float regularization = 0.1f;       // lambda >= 0 (factors)
  float bias_regularization = 0.1f;  // lambda_b >= 0 (biases)
  bool use_biases = true;
  bool scale_reg_by_frequency = false;  // Spark MLlib: true, nu = 1
  float reg_exponent = 1.0f;            // nu
  Solver solver = Solver::kCholesky;
  int cg_steps = 3;
  uint64_t seed = 42;
  int threads = 0;           // <= 0: all OpenMP threads
  float init_stddev = 0.1f;  // initial factors ~ N(0, stddev^2)
};

class ExplicitAlsTrainer {
 public:
  // InvalidArgument on bad options or a matrix that is invalid, empty or
  // holds non-finite ratings.
  static absl::StatusOr<std::unique_ptr<ExplicitAlsTrainer>> Create(
      const ExplicitAlsOptions& options, CsrMatrix ratings);

  absl::Status RunEpoch();  // users, then items
  absl::Status SolveUsers();
  absl::Status SolveItems();
  double Loss() const;  // the objective above
  double Predict(int64_t user, int64_t item) const;

  float global_mean() const { return mean_; }
  // k columns each; biases are zero when use_biases is false.
  FactorMatrix UserFactors() const;
  FactorMatrix ItemFactors() const;
  std::vector<float> UserBiases() const;
  std::vector<float> ItemBiases() const;

 private:
  ExplicitAlsTrainer(const ExplicitAlsOptions& options, CsrMatrix ratings);
  absl::Status Solve(const CsrMatrix& rows, const FactorMatrix& other,
                     FactorMatrix& solved, const char* step);

  ExplicitAlsOptions options_;
  int dims_;  // k, or k + 1 with the bias as the last column
  float mean_ = 0;
  CsrMatrix user_items_;
  CsrMatrix item_users_;
  FactorMatrix users_;  // dims_ columns
  FactorMatrix items_;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_EXPLICIT_ALS_H_
