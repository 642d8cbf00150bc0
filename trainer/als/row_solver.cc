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
#include "trainer/als/row_kernels_avx512.h"

namespace tailor {
namespace als_internal {
namespace {

// Rows solved together: CG runs in lockstep over a block so that the dense
// part g*G*p of every matrix-vector product is one GEMM.
constexpr int kBlockRows = 32;
// A lockstep block also stops growing once its rows' gathered fixed rows
// would exceed the larger of this many bytes and twice the Gram matrix's
// bytes: small enough that the products after the first find them in L1 at
// k = 64 (A/B on the full benchmark: 32 KiB about 10-15 % faster than 512
// KiB), large enough at k >= 128 that the dense product g*G*P runs on
// several columns per pass over G, which is then read from L2 (a one-column
// product reads all k^2 floats of G for 2k^2 flops: L2-bound).
constexpr double kBlockGatherBytes = 32 << 10;
// Each sparse product Y^T W Y v runs over a row's entries in segments of
// about this many bytes of fixed rows: dots for a segment, then the axpy
// over the same segment while its rows are still in L1. A long row thus
// streams its fixed rows from L2/L3 once per product, not twice.
constexpr int64_t kSegmentBytes = 24 << 10;
// Long rows (whose gathered fixed rows exceed RowProblem::long_row_bytes)
// do not fit in L2, so each of their products would fetch every fixed row
// again from L3 or DRAM. They are instead solved together, in lockstep, by
// each thread: each product sweeps the fixed table in slices of
// RowProblem::sweep_slice_bytes, and every long row of the thread takes its
// entries in the slice while the slice is in L2. The fixed rows are then
// fetched from L3 about once per product for all of the thread's long rows,
// not once per row.
// A row's CG stops once its squared residual norm falls below this.
constexpr float kTinyResidual = 1e-20f;

// The sparse-row and Gram kernels of one instruction set (row_kernels.h,
// row_kernels_avx512.h), chosen once per SolveRows call.
struct Kernels {
  void (*gather_dots)(const float* y, int64_t stride, const uint32_t* idx,
                      int64_t n, const float* v, int chunks, float* q,
                      bool prefetch);
  void (*gather_axpy)(const float* y, int64_t stride, const uint32_t* idx,
                      int64_t n, const float* s, int chunks, float* out);
  void (*gram_product)(const float* g, int64_t stride, int k, int chunks,
                       const float* p, int cols, float* out, float scale);
  // Over an fp16 table; null when the instruction set has none.
  void (*gather_dots_half)(const uint16_t* y, int64_t stride,
                           const uint32_t* idx, int64_t n, const float* v,
                           int chunks, float* q, bool prefetch);
  void (*gather_axpy_half)(const uint16_t* y, int64_t stride,
                           const uint32_t* idx, int64_t n, const float* s,
                           int chunks, float* out);
};
constexpr Kernels kAvx2Kernels = {&GatherDots, &GatherAxpy, &GramProduct,
                                  nullptr, nullptr};
constexpr Kernels kAvx512Kernels = {&GatherDotsAvx512, &GatherAxpyAvx512,
                                    &GramProductAvx512, &GatherDotsHalfAvx512,
                                    &GatherAxpyHalfAvx512};

// The sparse products of a problem: over the floats of `fixed`, or over its
// fp16 copy when the problem has one.
struct Gather {
  const Kernels& kern;
  const float* y;
  const uint16_t* yh;
  int64_t ys;
  void Dots(const uint32_t* idx, int64_t n, const float* v, int chunks,
            float* q, bool prefetch) const {
    if (yh != nullptr) {
      kern.gather_dots_half(yh, ys, idx, n, v, chunks, q, prefetch);
    } else {
      kern.gather_dots(y, ys, idx, n, v, chunks, q, prefetch);
    }
  }
  void Axpy(const uint32_t* idx, int64_t n, const float* s, int chunks,
            float* out) const {
    if (yh != nullptr) {
      kern.gather_axpy_half(yh, ys, idx, n, s, chunks, out);
    } else {
      kern.gather_axpy(y, ys, idx, n, s, chunks, out);
    }
  }
};

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
  // Long rows: their factors, residuals, directions and products
  // (rows x stride each), entry weights, targets and sweep cursors.
  AlignedVec lx, lr, lp, lap;
  std::vector<float> lw, lt;
  std::vector<int64_t> lcursor, loff;
  std::vector<float> lrs, lreg;
  std::vector<char> lactive;
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
void DenseProduct(const RowProblem& pr, const Kernels& kern, int k,
                  int64_t stride, int nb, const float* p, float* ap) {
  kern.gram_product(pr.gram->data(), stride, k, static_cast<int>(stride / 8), p,
                    nb, ap, pr.gram_scale);
}

// One CG step of a row given ap = A p: x += a p, r -= a ap, new direction.
// Returns false when the row is done (converged, or p'Ap not positive; a
// non-finite p'Ap is recorded as a failure).
bool CgUpdate(int64_t row, int chunks, int64_t stride, float* x, float* r,
              float* p, const float* ap, float& rs, Failure& failure) {
  const float pap = Dot(p, ap, chunks);
  if (!std::isfinite(pap)) {
    failure.Record(row, "conjugate gradient diverged (non-finite p'Ap)");
    return false;
  }
  if (!(pap > 0.0f)) return false;  // converged exactly or not pos. definite
  const float a = rs / pap;
  for (int c = 0; c < stride; ++c) {
    x[c] += a * p[c];
    r[c] -= a * ap[c];
  }
  const float rs_new = Dot(r, r, chunks);
  const float beta = rs_new / rs;
  for (int c = 0; c < stride; ++c) p[c] = r[c] + beta * p[c];
  rs = rs_new;
  return rs_new > kTinyResidual;
}

void CgBlock(const RowProblem& pr, const Kernels& kern, int64_t lo, int64_t hi,
             FactorMatrix& solved, Scratch& s, double& flops,
             Failure& failure) {
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
  const Gather gather{kern, y, pr.fixed_half, ys};
  const float* d = pr.reg_diag;
  const bool dense = pr.gram_scale != 0.0f;
  float* xs = solved.row(lo);
  float* q = s.q.data();
  const int64_t seg = std::max<int64_t>(8, kSegmentBytes / (4 * ys));

  if (dense) {
    DenseProduct(pr, kern, k, stride, nb, xs, s.ap.data());
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
      gather.Dots(idx + lo_e, len, x, chunks, q + lo_e,
                  /*prefetch=*/true);
      for (int64_t i = lo_e; i < lo_e + len; ++i) {
        q[i] = s.t[off + i] - s.w[off + i] * q[i];
      }
      gather.Axpy(idx + lo_e, len, q + lo_e, chunks, r);
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
      DenseProduct(pr, kern, k, stride, nb, s.p.data(), s.ap.data());
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
        gather.Dots(idx + lo_e, len, p, chunks, q + lo_e,
                    /*prefetch=*/len < n);
        for (int64_t i = lo_e; i < lo_e + len; ++i) q[i] *= s.w[off + i];
        gather.Axpy(idx + lo_e, len, q + lo_e, chunks, ap);
      }
      flops += 4.0 * stride * n + 13.0 * stride;
      if (!CgUpdate(row, chunks, stride, x, r, p, ap, s.rs[j], failure)) {
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

// Whether a row of n entries is solved by the sweep (see kSweepSliceBytes).
bool IsLongRow(const RowProblem& pr, int64_t n) {
  return pr.solver == RowSolver::kConjugateGradient &&
         4.0 * pr.fixed->stride() * n > pr.long_row_bytes;
}

// CG over `rows` (long rows) in lockstep; every sparse product is one sweep
// over the fixed table. Each row's arithmetic is the same whichever rows
// share the sweep, so results do not depend on the thread count.
void CgLongRows(const RowProblem& pr, const Kernels& kern,
                const std::vector<int64_t>& rows, FactorMatrix& solved,
                Scratch& s, double& flops, Failure& failure) {
  const int nb = static_cast<int>(rows.size());
  if (nb == 0) return;
  const CsrMatrix& m = *pr.rows;
  const int k = solved.cols();
  const int64_t stride = solved.stride();
  const int chunks = static_cast<int>(stride / 8);
  const float* y = pr.fixed->data();
  const int64_t ys = pr.fixed->stride();
  const Gather gather{kern, y, pr.fixed_half, ys};
  const int64_t fixed_rows = m.cols;
  const int64_t slice = std::max<int64_t>(
      1, static_cast<int64_t>(pr.sweep_slice_bytes / (4.0 * ys)));
  const float* d = pr.reg_diag;
  const bool dense = pr.gram_scale != 0.0f;
  for (AlignedVec* v : {&s.lx, &s.lr, &s.lp, &s.lap}) {
    v->assign(nb * stride, 0.0f);
  }
  s.loff.assign(nb + 1, 0);
  for (int j = 0; j < nb; ++j) {
    s.loff[j + 1] = s.loff[j] + m.RowSize(rows[j]);
  }
  s.lw.resize(s.loff[nb]);
  s.lt.resize(s.loff[nb]);
  s.lcursor.resize(nb);
  s.lrs.assign(nb, 0.0f);
  s.lreg.resize(nb);
  s.lactive.assign(nb, 0);
  for (int j = 0; j < nb; ++j) {
    const int64_t e0 = m.indptr[rows[j]];
    FillWeights(pr, e0, m.indptr[rows[j] + 1], s.lw.data() + s.loff[j],
                s.lt.data() + s.loff[j]);
    std::copy(solved.row(rows[j]), solved.row(rows[j]) + stride,
              s.lx.data() + j * stride);
    s.lreg[j] = RowReg(pr, m.RowSize(rows[j]));
  }
  // out[j] += sum_i q_i y_i over row j's entries, q_i = t_i - w_i y_i.v[j]
  // (first) or w_i y_i.v[j]; one pass over the fixed table in slices.
  auto sweep = [&](const float* v, float* out, bool first) {
    for (int j = 0; j < nb; ++j) s.lcursor[j] = m.indptr[rows[j]];
    for (int64_t lo_f = 0; lo_f < fixed_rows; lo_f += slice) {
      const uint32_t hi_f =
          static_cast<uint32_t>(std::min(fixed_rows, lo_f + slice));
      for (int j = 0; j < nb; ++j) {
        if (!first && !s.lactive[j]) continue;
        const int64_t row = rows[j];
        const int64_t e_begin = s.lcursor[j], e_row_end = m.indptr[row + 1];
        int64_t e_end = e_begin;
        while (e_end < e_row_end && m.indices[e_end] < hi_f) ++e_end;
        s.lcursor[j] = e_end;
        const int64_t len = e_end - e_begin;
        if (len == 0) continue;
        const int64_t w0 = s.loff[j] + (e_begin - m.indptr[row]);
        s.q.resize(std::max<int64_t>(s.q.size(), len));
        float* q = s.q.data();
        const uint32_t* idx = m.indices.data() + e_begin;
        gather.Dots(idx, len, v + j * stride, chunks, q,
                    /*prefetch=*/true);
        if (first) {
          for (int64_t i = 0; i < len; ++i) {
            q[i] = s.lt[w0 + i] - s.lw[w0 + i] * q[i];
          }
        } else {
          for (int64_t i = 0; i < len; ++i) q[i] *= s.lw[w0 + i];
        }
        gather.Axpy(idx, len, q, chunks, out + j * stride);
        flops += 4.0 * stride * len;
      }
    }
  };
  // r = b - A x.
  if (dense) {
    DenseProduct(pr, kern, k, stride, nb, s.lx.data(), s.lap.data());
    flops += 2.0 * k * k * nb;
  }
  for (int j = 0; j < nb; ++j) {
    float* x = s.lx.data() + j * stride;
    float* r = s.lr.data() + j * stride;
    const float* ap = s.lap.data() + j * stride;
    for (int c = 0; c < stride; ++c) {
      r[c] = (dense ? -ap[c] : 0.0f) - s.lreg[j] * d[c] * x[c];
    }
  }
  sweep(s.lx.data(), s.lr.data(), /*first=*/true);
  int active = 0;
  for (int j = 0; j < nb; ++j) {
    float* r = s.lr.data() + j * stride;
    std::copy(r, r + stride, s.lp.data() + j * stride);
    s.lrs[j] = Dot(r, r, chunks);
    flops += 8.0 * stride;
    if (!std::isfinite(s.lrs[j])) {
      failure.Record(rows[j], "residual is not finite (non-finite input?)");
    } else if (s.lrs[j] > kTinyResidual) {
      s.lactive[j] = 1;
      ++active;
    }
  }
  for (int step = 0; step < pr.cg_steps && active > 0; ++step) {
    if (dense) {
      DenseProduct(pr, kern, k, stride, nb, s.lp.data(), s.lap.data());
      flops += 2.0 * k * k * nb;
    }
    for (int j = 0; j < nb; ++j) {
      if (!s.lactive[j]) continue;
      float* ap = s.lap.data() + j * stride;
      const float* p = s.lp.data() + j * stride;
      for (int c = 0; c < stride; ++c) {
        ap[c] = (dense ? ap[c] : 0.0f) + s.lreg[j] * d[c] * p[c];
      }
    }
    sweep(s.lp.data(), s.lap.data(), /*first=*/false);
    for (int j = 0; j < nb; ++j) {
      if (!s.lactive[j]) continue;
      flops += 13.0 * stride;
      if (!CgUpdate(rows[j], chunks, stride, s.lx.data() + j * stride,
                    s.lr.data() + j * stride, s.lp.data() + j * stride,
                    s.lap.data() + j * stride, s.lrs[j], failure)) {
        s.lactive[j] = 0;
        --active;
      }
    }
  }
  for (int j = 0; j < nb; ++j) {
    const float* x = s.lx.data() + j * stride;
    std::copy(x, x + stride, solved.row(rows[j]));
    if (!IsFinite(x, k)) {
      failure.Record(rows[j], "solved factors are not finite");
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

absl::Status MakeHalfCopy(const FactorMatrix& m, int threads,
                          std::vector<uint16_t>& out) {
  const int64_t n = m.rows() * m.stride();  // a multiple of 8
  out.resize(n);
  const float* in = m.data();
  int64_t bad = -1;
#pragma omp parallel for num_threads(threads > 0 ? threads                \
                                                 : omp_get_max_threads()) \
    reduction(max                                                         \
              : bad) schedule(static)
  for (int64_t i = 0; i < n; i += 8) {
    const __m256 v = _mm256_load_ps(in + i);
    const __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
    // Not (|v| <= 65504) also catches NaN.
    if (_mm256_movemask_ps(
            _mm256_cmp_ps(a, _mm256_set1_ps(65504.0f), _CMP_NLE_UQ)) != 0) {
      bad = std::max(bad, i / m.stride());
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data() + i),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  if (bad >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fp16 copy of the fixed factors: row ", bad,
        " has a value that is not finite or exceeds 65504 in magnitude"));
  }
  return absl::OkStatus();
}

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
  const bool avx512 = CpuSupportsAvx512();
  if (pr.isa == KernelIsa::kAvx512 && !avx512) {
    return absl::InvalidArgumentError(absl::StrCat(
        step, ": AVX-512 kernels requested but this CPU lacks AVX-512"));
  }
  const Kernels& kern =
      pr.isa == KernelIsa::kAvx2 || !avx512 ? kAvx2Kernels : kAvx512Kernels;
  if (pr.fixed_half != nullptr && kern.gather_dots_half == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        step,
        ": fp16 fixed rows need the AVX-512 kernels (this CPU or the "
        "requested instruction set has none)"));
  }
  const int threads = pr.threads > 0 ? pr.threads : omp_get_max_threads();
  const int64_t stride = solved.stride();
  // Long rows go to the sweep, split over the threads by entries (longest
  // first, each to the least loaded thread). The other rows form blocks of
  // at most kBlockRows rows and about kBlockGatherBytes.
  std::vector<std::vector<int64_t>> long_rows(threads);
  std::vector<std::pair<int64_t, int64_t>> blocks;
  {
    std::vector<std::pair<int64_t, int64_t>> by_size;  // (-n, row)
    const double row_bytes = 4.0 * pr.fixed->stride();
    const double block_bytes =
        std::max(kBlockGatherBytes, 2.0 * 4.0 * k * solved.stride());
    int64_t block_nnz = 0;
    for (int64_t row = pr.row_begin; row < pr.row_end; ++row) {
      const int64_t n = m.RowSize(row);
      if (IsLongRow(pr, n)) {
        by_size.emplace_back(-n, row);
        continue;
      }
      if (blocks.empty() || blocks.back().second != row ||
          row - blocks.back().first == kBlockRows ||
          (block_nnz + n) * row_bytes > block_bytes) {
        blocks.emplace_back(row, row);
        block_nnz = 0;
      }
      block_nnz += n;
      blocks.back().second = row + 1;
    }
    std::sort(by_size.begin(), by_size.end());
    std::vector<int64_t> load(threads, 0);
    for (const auto& [minus_n, row] : by_size) {
      const int t = static_cast<int>(
          std::min_element(load.begin(), load.end()) - load.begin());
      load[t] -= minus_n;
      long_rows[t].push_back(row);
    }
    for (std::vector<int64_t>& rows : long_rows) {
      std::sort(rows.begin(), rows.end());
    }
  }
  const int64_t nblocks = static_cast<int64_t>(blocks.size());
  Failure failure;
  double flops = 0;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
  {
    Scratch s;
    s.r.assign(kBlockRows * stride, 0.0f);
    s.p.assign(kBlockRows * stride, 0.0f);
    s.ap.assign(kBlockRows * stride, 0.0f);
    CgLongRows(pr, kern, long_rows[omp_get_thread_num()], solved, s, flops,
               failure);
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < nblocks; ++b) {
      const int64_t lo = blocks[b].first;
      const int64_t hi = blocks[b].second;
      if (pr.solver == RowSolver::kConjugateGradient) {
        CgBlock(pr, kern, lo, hi, solved, s, flops, failure);
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
