#ifndef TAILOR_TRAINER_ALS_IMPLICIT_ALS_H_
#define TAILOR_TRAINER_ALS_IMPLICIT_ALS_H_

// Implicit-feedback ALS (Hu, Koren, Volinsky 2008) and the "revisiting iALS"
// loss (Rendle et al. 2021): options, the half-step kernel the single-process
// trainer and the distributed worker both call, the loss, and fold-in of
// unseen users. Exact objective: docs/algorithms/als.md. Stateless functions;
// they parallelize internally with OpenMP and are safe to call concurrently
// on distinct outputs.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/als/factor_matrix.h"

namespace tailor {

struct IalsOptions {
  enum class Confidence { kLinear, kLog };  // 1+alpha*r, 1+alpha*log(1+r/eps)
  enum class Solver { kConjugateGradient, kCholesky };
  int factors = 64;                     // k >= 1
  float regularization = 0.01f;         // lambda >= 0
  bool scale_reg_by_frequency = false;  // lambda * (nnz_row + alpha0*n)^nu
  float reg_exponent = 1.0f;            // nu
  float alpha = 1.0f;                   // confidence slope, >= 0
  Confidence confidence = Confidence::kLinear;
  float log_epsilon = 1.0f;  // eps of the log confidence, > 0
  Solver solver = Solver::kConjugateGradient;
  int cg_steps = 3;  // >= 1
  // 0: classic HKV (weight 1 on every unobserved entry). > 0: weight alpha0
  // on every entry, observed ones get c on top (Rendle et al. 2021).
  float alpha0 = 0.0f;
  uint64_t seed = 42;
  int threads = 0;            // <= 0: all OpenMP threads
  float init_stddev = 0.01f;  // initial factors ~ N(0, stddev^2)
  // CG kernels: kAuto takes AVX-512 when the CPU has it, else AVX2; the
  // results differ in float rounding only. kAvx512 without it: error.
  enum class Isa { kAuto, kAvx2, kAvx512 };
  Isa isa = Isa::kAuto;
  // CG: the sparse products gather an fp16 copy of the fixed side, made once
  // per SolveImplicitRows call (half the gathered bytes; the rounding
  // perturbs the system by about 2^-11 relative). Needs the AVX-512
  // kernels; the Cholesky solver always uses the floats.
  bool cg_fp16_fixed = false;
};

// InvalidArgument naming the first bad field.
absl::Status ValidateIalsOptions(const IalsOptions& options);

// Statistics of one half-step; flops are those executed, bytes the
// compulsory traffic model of docs/performance.md.
struct HalfStepStats {
  int64_t rows = 0;
  int64_t nnz = 0;
  double flops = 0;
  double bytes = 0;
};

// Solves rows [row_begin, row_end) of `rows` (entries: column -> value)
// against `fixed` (fixed.rows() >= rows.cols) and `fixed_gram` (the Gram of
// ALL fixed rows, e.g. summed over shards), writing the same rows of `solved`
// (rows.rows x factors; CG warm-starts from its values). Rows without entries
// get zero factors. Values must be finite and >= 0 (not re-checked here).
// Errors: InvalidArgument on shapes; Internal naming `step` and the row when
// a Cholesky fails or a result is not finite.
absl::Status SolveImplicitRows(const IalsOptions& options,
                               const CsrMatrix& rows, int64_t row_begin,
                               int64_t row_end, const FactorMatrix& fixed,
                               const FactorMatrix& fixed_gram,
                               FactorMatrix& solved, const char* step = "rows",
                               HalfStepStats* stats = nullptr);

// The full objective (both sides' regularization included), in double,
// computing the unobserved part by the Gram trick trace(U^T U V^T V).
absl::StatusOr<double> ImplicitLoss(const IalsOptions& options,
                                    const CsrMatrix& user_items,
                                    const FactorMatrix& users,
                                    const FactorMatrix& items);

// Fold-in: factors for new users (rows of `user_items`, columns are item
// rows of `items`) by the exact Cholesky solve of the user half-step, with
// `item_gram` = ComputeGram(items). Same result as the trainer's Cholesky
// user step for a training user.
absl::StatusOr<FactorMatrix> FoldInUsers(const IalsOptions& options,
                                         const FactorMatrix& items,
                                         const FactorMatrix& item_gram,
                                         const CsrMatrix& user_items);
// One user from (item, value) pairs; items must be distinct.
absl::StatusOr<std::vector<float>> FoldInUser(
    const IalsOptions& options, const FactorMatrix& items,
    const FactorMatrix& item_gram, absl::Span<const uint32_t> item_ids,
    absl::Span<const float> values);

}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_IMPLICIT_ALS_H_
