#ifndef TAILOR_TRAINER_ALS_ROW_SOLVER_H_
#define TAILOR_TRAINER_ALS_ROW_SOLVER_H_

// The generic ALS half-step, internal to //trainer/als: for every row u in
// [row_begin, row_end) of a sparse matrix, solve
//   (g * G + sum_{i in row u} w_i y_i y_i^T + reg_u * diag(D)) x_u
//       = sum_{i in row u} t_i y_i
// where y_i are rows of the fixed factor matrix, G its Gram matrix, and the
// per-entry weight w_i and target t_i come from the entry's value (implicit
// or explicit weighting, below). Rows without entries get x_u = 0 (the exact
// minimizer: b = 0). Rows are solved independently and in parallel, so the
// result does not depend on the thread count.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "core/csr_matrix.h"
#include "trainer/als/factor_matrix.h"

namespace tailor {
namespace als_internal {

enum class EntryKind { kImplicitLinear, kImplicitLog, kExplicit };
enum class RowSolver { kConjugateGradient, kCholesky };
// Instruction set of the CG kernels: kAuto takes AVX-512 when the CPU has
// it, else AVX2 (the build baseline). Results differ in rounding only.
enum class KernelIsa { kAuto, kAvx2, kAvx512 };

struct RowProblem {
  const CsrMatrix* rows = nullptr;
  int64_t row_begin = 0;
  int64_t row_end = 0;
  const FactorMatrix* fixed = nullptr;  // fixed->rows() >= rows->cols
  const FactorMatrix* gram = nullptr;   // may be null when gram_scale == 0
  float gram_scale = 0.0f;              // g

  // Implicit: c = 1 + alpha*r (linear) or 1 + alpha*log(1 + r/log_epsilon);
  // p = (r > 0); w = c - weight_offset; t = c * p.
  // Explicit: w = 1; t = r - target_offset - other_bias[col] (if non-null).
  EntryKind kind = EntryKind::kImplicitLinear;
  float alpha = 1.0f;
  float log_epsilon = 1.0f;
  float weight_offset = 1.0f;
  float target_offset = 0.0f;
  const float* other_bias = nullptr;

  // reg_u = (nnz_u + frequency_offset)^reg_exponent when scale_by_frequency,
  // else 1; reg_diag has fixed->stride() entries (zero beyond cols).
  const float* reg_diag = nullptr;
  bool scale_by_frequency = false;
  float reg_exponent = 1.0f;
  float frequency_offset = 0.0f;

  RowSolver solver = RowSolver::kConjugateGradient;
  int cg_steps = 3;
  // CG: rows whose gathered fixed rows (4 * fixed->stride() bytes per
  // entry) exceed this are solved by sweeps over the fixed table (see
  // row_solver.cc); the choice changes float rounding only.
  double long_row_bytes = 1 << 20;
  double sweep_slice_bytes = 512 << 10;  // fixed rows per slice, in bytes
  int threads = 0;                       // <= 0: all OpenMP threads
  KernelIsa isa = KernelIsa::kAuto;      // kAvx512 fails without AVX-512
  // CG only, optional: an fp16 copy of `fixed` (MakeHalfCopy) that the
  // sparse products gather instead of the floats (half the bytes; CG then
  // solves the system of the rounded rows). Needs the AVX-512 kernels.
  const uint16_t* fixed_half = nullptr;
};

// IEEE binary16 copy of `m` (same shape and stride, rounded to nearest) for
// RowProblem::fixed_half. InvalidArgument when a value is not finite or
// exceeds the fp16 range (65504).
absl::Status MakeHalfCopy(const FactorMatrix& m, int threads,
                          std::vector<uint16_t>& out);

struct RowSolveStats {
  int64_t rows = 0;
  int64_t nnz = 0;
  double flops = 0;  // floating-point operations actually executed
  double bytes = 0;  // compulsory memory traffic (see docs/performance.md)
};

// Solves rows [row_begin, row_end) into the same rows of `solved` (whose
// current values warm-start CG). `step` names the half-step in errors. Fails
// with InvalidArgument on inconsistent shapes, with Internal when a row's
// Cholesky factorization fails or a solved row is not finite (naming the
// step and the row).
absl::Status SolveRows(const RowProblem& problem, FactorMatrix& solved,
                       const char* step, RowSolveStats* stats);

}  // namespace als_internal
}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_ROW_SOLVER_H_
