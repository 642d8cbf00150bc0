#include "trainer/als/row_solver.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "trainer/als/row_kernels.h"

namespace tailor {
namespace als_internal {
namespace {

// Rows solved together: CG runs in lockstep over a block so that the dense
// part g*G*p of every matrix-vector product is one GEMM.
constexpr int kBlockRows = 32;
// A lockstep block also stops growing once its rows' gathered fixed rows
// would exceed this many bytes, so that the products after the first find
// them in L1 (A/B on the full benchmark at k = 64: 32 KiB about 10-15 %
// faster than 512 KiB; no difference measurable at k = 256).
constexpr double kBlockGatherBytes = 32 << 10;
// Each sparse product Y^T W Y v runs over a row's entries in segments of
// about this many bytes of fixed rows: dots for a segment, then the axpy
// over the same segment while its rows are still in L1. A long row thus
// streams its fixed rows from L2/L3 once per product, not twice.
constexpr int64_t kSegmentBytes = 24 << 10;
// A row's CG stops once its squared residual norm falls below this.
constexpr float kTinyResidual = 1e-20f;

using AlignedVec = std::vector<float, AlignedAllocator<float>>;
using ColMap =
    Eigen::Map<Eigen::MatrixXf, Eigen::Aligned32, Eigen::OuterStride<>>;
using ConstColMap =
    Eigen::Map<const Eigen::MatrixXf, Eigen::Aligned32, Eigen::OuterStride<>>;
using RowMajorMatrix =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Scratch {
  AlignedVec r, p, ap;         // kBlockRows x stride each
  std::vector<float> w, t, q;  // per entry of the block
  float reg[kBlockRows];
  float rs[kBlockRows];
  bool active[kBlockRows];
  RowMajorMatrix yg, yw;  // Cholesky: gathered rows, weighted rows
  Eigen::MatrixXf a;
  Eigen::VectorXf b;
};

struct Failure {
  absl::Mutex mu;
  int64_t row ABSL_GUARDED_BY(mu) = std::numeric_limits<int64_t>::max();
  std::string what ABSL_GUARDED_BY(mu);
  void Record(int64_t r, const char* reason) {
    absl::MutexLock lock(&mu);
    if (r < row) {
      row = r;
      what = reason;
    }
  }
};

void FillWeights(const RowProblem& pr, int64_t e0, int64_t e1, float* w,
                 float* t) {
  const float* v = pr.rows->data.data();
  const uint32_t* col = pr.rows->indices.data();
  switch (pr.kind) {
    case EntryKind::kImplicitLinear:
      for (int64_t e = e0; e < e1; ++e) {
        const float c = 1.0f + pr.alpha * v[e];
        w[e - e0] = c - pr.weight_offset;
        t[e - e0] = v[e] > 0 ? c : 0.0f;
      }
      break;
    case EntryKind::kImplicitLog:
      for (int64_t e = e0; e < e1; ++e) {
        const float c = 1.0f + pr.alpha * std::log1p(v[e] / pr.log_epsilon);
        w[e - e0] = c - pr.weight_offset;
        t[e - e0] = v[e] > 0 ? c : 0.0f;
      }
      break;
    case EntryKind::kExplicit:
      for (int64_t e = e0; e < e1; ++e) {
        w[e - e0] = 1.0f;
        t[e - e0] = v[e] - pr.target_offset -
                    (pr.other_bias != nullptr ? pr.other_bias[col[e]] : 0.0f);
      }
      break;
  }
}

float RowReg(const RowProblem& pr, int64_t nnz) {
  if (!pr.scale_by_frequency) return 1.0f;
  return std::pow(static_cast<float>(nnz) + pr.frequency_offset,
                  pr.reg_exponent);
}

bool IsFinite(const float* x, int k) {
  float sum = 0.0f;
  for (int c = 0; c < k; ++c) sum += x[c] * 0.0f;
  return sum == 0.0f;
}

// ap[:, 0..nb) = g * G * p[:, 0..nb) over the k real dimensions.
void DenseProduct(const RowProblem& pr, int k, int64_t stride, int nb,
                  const float* p, float* ap) {
  GramProduct(pr.gram->data(), stride, k, static_cast<int>(stride / 8), p, nb,
              ap, pr.gram_scale);
}

void CgBlock(const RowProblem& pr, int64_t lo, int64_t hi, FactorMatrix& solved,
             Scratch& s, double& flops, Failure& failure) {
  const CsrMatrix& m = *pr.rows;
  const int k = solved.cols();
  const int64_t stride = solved.stride();
  const int chunks = static_cast<int>(stride / 8);
  const int nb = static_cast<int>(hi - lo);
  const int64_t e0 = m.indptr[lo], e1 = m.indptr[hi];
  s.w.resize(e1 - e0);
  s.t.resize(e1 - e0);
  s.q.resize(e1 - e0);
  FillWeights(pr, e0, e1, s.w.data(), s.t.data());
  const float* y = pr.fixed->data();
  const int64_t ys = pr.fixed->stride();
  const float* d = pr.reg_diag;
  const bool dense = pr.gram_scale != 0.0f;
  float* xs = solved.row(lo);
  float* q = s.q.data();
  const int64_t seg = std::max<int64_t>(8, kSegmentBytes / (4 * ys));

  if (dense) {
    DenseProduct(pr, k, stride, nb, xs, s.ap.data());
    flops += 2.0 * k * k * nb;
  }
  int active = 0;
  for (int j = 0; j < nb; ++j) {
    const int64_t row = lo + j;
    const int64_t n = m.indptr[row + 1] - m.indptr[row];
    const int64_t off = m.indptr[row] - e0;
    const uint32_t* idx = m.indices.data() + m.indptr[row];
    float* x = xs + j * stride;
    float* r = s.r.data() + j * stride;
    float* p = s.p.data() + j * stride;
    const float* ap = s.ap.data() + j * stride;
    s.active[j] = false;
    if (n == 0) {
      std::fill(x, x + stride, 0.0f);
      std::fill(p, p + stride, 0.0f);
      continue;
    }
    const float reg = s.reg[j] = RowReg(pr, n);
    for (int c = 0; c < stride; ++c) {
      r[c] = (dense ? -ap[c] : 0.0f) - reg * d[c] * x[c];
    }
    for (int64_t lo_e = 0; lo_e < n; lo_e += seg) {  // see kSegmentBytes
      const int64_t len = std::min(seg, n - lo_e);
      GatherDots(y, ys, idx + lo_e, len, x, chunks, q + lo_e,
                 /*prefetch=*/true);
      for (int64_t i = lo_e; i < lo_e + len; ++i) {
        q[i] = s.t[off + i] - s.w[off + i] * q[i];
      }
      GatherAxpy(y, ys, idx + lo_e, len, q + lo_e, chunks, r);
    }
    std::copy(r, r + stride, p);
    s.rs[j] = Dot(r, r, chunks);
    flops += 4.0 * stride * n + 8.0 * stride;
    if (!std::isfinite(s.rs[j])) {
      failure.Record(row, "residual is not finite (non-finite input?)");
      continue;
    }
    if (s.rs[j] > kTinyResidual) {
      s.active[j] = true;
      ++active;
    }
  }
  for (int step = 0; step < pr.cg_steps && active > 0; ++step) {
    if (dense) {
      DenseProduct(pr, k, stride, nb, s.p.data(), s.ap.data());
      flops += 2.0 * k * k * nb;
    }
    for (int j = 0; j < nb; ++j) {
      if (!s.active[j]) continue;
      const int64_t row = lo + j;
      const int64_t n = m.indptr[row + 1] - m.indptr[row];
      const int64_t off = m.indptr[row] - e0;
      const uint32_t* idx = m.indices.data() + m.indptr[row];
      float* x = xs + j * stride;
      float* r = s.r.data() + j * stride;
      float* p = s.p.data() + j * stride;
      float* ap = s.ap.data() + j * stride;
      const float reg = s.reg[j];
      for (int c = 0; c < stride; ++c) {
        ap[c] = (dense ? ap[c] : 0.0f) + reg * d[c] * p[c];
      }
      for (int64_t lo_e = 0; lo_e < n; lo_e += seg) {
        const int64_t len = std::min(seg, n - lo_e);
        GatherDots(y, ys, idx + lo_e, len, p, chunks, q + lo_e,
                   /*prefetch=*/len < n);
        for (int64_t i = lo_e; i < lo_e + len; ++i) q[i] *= s.w[off + i];
        GatherAxpy(y, ys, idx + lo_e, len, q + lo_e, chunks, ap);
      }
      flops += 4.0 * stride * n + 13.0 * stride;
      const float pap = Dot(p, ap, chunks);
      if (!std::isfinite(pap)) {
        failure.Record(row, "conjugate gradient diverged (non-finite p'Ap)");
        s.active[j] = false;
        --active;
        continue;
      }
      if (!(pap > 0.0f)) {  // converged exactly or not positive definite
        s.active[j] = false;
        --active;
        continue;
      }
      const float a = s.rs[j] / pap;
      for (int c = 0; c < stride; ++c) {
        x[c] += a * p[c];
        r[c] -= a * ap[c];
      }
      const float rs_new = Dot(r, r, chunks);
      const float beta = rs_new / s.rs[j];
      for (int c = 0; c < stride; ++c) p[c] = r[c] + beta * p[c];
      s.rs[j] = rs_new;
      if (!(rs_new > kTinyResidual)) {
        s.active[j] = false;
        --active;
      }
    }
  }
  for (int j = 0; j < nb; ++j) {
    if (!IsFinite(xs + j * stride, k)) {
      failure.Record(lo + j, "solved factors are not finite");
    }
  }
}

void CholeskyRow(const RowProblem& pr, int64_t row, FactorMatrix& solved,
                 Scratch& s, double& flops, Failure& failure) {
  const CsrMatrix& m = *pr.rows;
  const int k = solved.cols();
  const int64_t stride = solved.stride();
  const int64_t e0 = m.indptr[row];
  const int64_t n = m.indptr[row + 1] - e0;
  float* x = solved.row(row);
  if (n == 0) {
    std::fill(x, x + stride, 0.0f);
    return;
  }
  s.w.resize(n);
  s.t.resize(n);
  FillWeights(pr, e0, e0 + n, s.w.data(), s.t.data());
  s.yg.resize(n, k);
  s.yw.resize(n, k);
  for (int64_t i = 0; i < n; ++i) {
    const float* yi = pr.fixed->row(m.indices[e0 + i]);
    for (int c = 0; c < k; ++c) {
      s.yg(i, c) = yi[c];
      s.yw(i, c) = s.w[i] * yi[c];
    }
  }
  if (pr.gram_scale != 0.0f) {
    s.a = pr.gram_scale *
          ConstColMap(pr.gram->data(), k, k, Eigen::OuterStride<>(stride));
  } else {
    s.a.setZero(k, k);
  }
  const float reg = RowReg(pr, n);
  for (int c = 0; c < k; ++c) s.a(c, c) += reg * pr.reg_diag[c];
  s.a.triangularView<Eigen::Lower>() += s.yg.transpose() * s.yw;
  s.b.noalias() =
      s.yg.transpose() * Eigen::Map<const Eigen::VectorXf>(s.t.data(), n);
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXf>> llt(s.a);
  flops += n * (1.0 * k * (k + 1) + 3.0 * k) + k * k * (k / 3.0 + 2.0);
  if (llt.info() != Eigen::Success) {
    failure.Record(row,
                   "Cholesky factorization failed (matrix not positive "
                   "definite; is regularization 0?)");
    return;
  }
  Eigen::Map<Eigen::VectorXf>(x, k) = llt.solve(s.b);
  if (!IsFinite(x, k)) failure.Record(row, "solved factors are not finite");
}

}  // namespace

absl::Status SolveRows(const RowProblem& pr, FactorMatrix& solved,
                       const char* step, RowSolveStats* stats) {
  if (pr.rows == nullptr || pr.fixed == nullptr || pr.reg_diag == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(step, ": rows, fixed factors and regularization needed"));
  }
  const CsrMatrix& m = *pr.rows;
  const int k = solved.cols();
  if (pr.row_begin < 0 || pr.row_begin > pr.row_end || pr.row_end > m.rows ||
      solved.rows() < pr.row_end) {
    return absl::InvalidArgumentError(
        absl::StrCat(step, ": row range [", pr.row_begin, ", ", pr.row_end,
                     ") does not fit a matrix of ", m.rows, " rows and ",
                     solved.rows(), " solved rows"));
  }
  if (pr.fixed->cols() != k || pr.fixed->rows() < m.cols) {
    return absl::InvalidArgumentError(
        absl::StrCat(step, ": fixed factors are ", pr.fixed->rows(), " x ",
                     pr.fixed->cols(), ", need at least ", m.cols, " x ", k));
  }
  if (pr.gram_scale != 0.0f &&
      (pr.gram == nullptr || pr.gram->rows() != k || pr.gram->cols() != k)) {
    return absl::InvalidArgumentError(
        absl::StrCat(step, ": Gram matrix must be ", k, " x ", k));
  }
  if (pr.solver == RowSolver::kConjugateGradient && pr.cg_steps < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(step, ": cg_steps must be at least 1"));
  }
  const int threads = pr.threads > 0 ? pr.threads : omp_get_max_threads();
  const int64_t stride = solved.stride();
  // Block boundaries: at most kBlockRows rows and about kBlockGatherBytes.
  std::vector<int64_t> starts;
  {
    const double row_bytes = 4.0 * pr.fixed->stride();
    int64_t block_nnz = 0;
    for (int64_t row = pr.row_begin; row < pr.row_end; ++row) {
      const int64_t n = m.RowSize(row);
      const int64_t rows_in_block = starts.empty() ? 0 : row - starts.back();
      if (starts.empty() || rows_in_block == kBlockRows ||
          (block_nnz + n) * row_bytes > kBlockGatherBytes) {
        starts.push_back(row);
        block_nnz = 0;
      }
      block_nnz += n;
    }
    starts.push_back(pr.row_end);
  }
  const int64_t blocks = static_cast<int64_t>(starts.size()) - 1;
  Failure failure;
  double flops = 0;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
  {
    Scratch s;
    s.r.assign(kBlockRows * stride, 0.0f);
    s.p.assign(kBlockRows * stride, 0.0f);
    s.ap.assign(kBlockRows * stride, 0.0f);
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t lo = starts[b];
      const int64_t hi = starts[b + 1];
      if (pr.solver == RowSolver::kConjugateGradient) {
        CgBlock(pr, lo, hi, solved, s, flops, failure);
      } else {
        for (int64_t row = lo; row < hi; ++row) {
          CholeskyRow(pr, row, solved, s, flops, failure);
        }
      }
    }
  }
  {
    absl::MutexLock lock(&failure.mu);
    if (failure.row != std::numeric_limits<int64_t>::max()) {
      return absl::InternalError(
          absl::StrCat(step, ": row ", failure.row, ": ", failure.what));
    }
  }
  if (stats != nullptr) {
    const int64_t rows = pr.row_end - pr.row_begin;
    const int64_t nnz = m.indptr[pr.row_end] - m.indptr[pr.row_begin];
    stats->rows += rows;
    stats->nnz += nnz;
    stats->flops += flops;
    // Index, value and one fixed row per entry; read and write per row.
    stats->bytes +=
        nnz * (8.0 + 4.0 * pr.fixed->stride()) + rows * (8.0 + 8.0 * stride);
  }
  return absl::OkStatus();
}

}  // namespace als_internal
}  // namespace tailor
