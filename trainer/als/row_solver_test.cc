#include "trainer/als/row_solver.h"

#include <immintrin.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/als/row_kernels.h"
#include "trainer/als/row_kernels_avx512.h"
#include "trainer/als/test_data.h"

namespace tailor {
namespace als_internal {
namespace {

FactorMatrix Random(int64_t rows, int cols, uint32_t seed) {
  FactorMatrix m(rows, cols);
  m.FillRandomNormal(seed, 1.0f, 1);
  return m;
}

// Parameters: k, and whether the AVX-512 kernels are tested (skipped on a
// CPU without AVX-512) instead of the AVX2 ones.
class KernelTest : public ::testing::TestWithParam<std::tuple<int, bool>> {
 protected:
  void SetUp() override {
    avx512_ = std::get<1>(GetParam());
    if (avx512_ && !CpuSupportsAvx512()) GTEST_SKIP() << "no AVX-512";
  }
  void Dots(const float* y, int64_t stride, const uint32_t* idx, int64_t n,
            const float* v, int chunks, float* q, bool prefetch) const {
    (avx512_ ? GatherDotsAvx512 : GatherDots)(y, stride, idx, n, v, chunks, q,
                                              prefetch);
  }
  void Axpy(const float* y, int64_t stride, const uint32_t* idx, int64_t n,
            const float* s, int chunks, float* out) const {
    (avx512_ ? GatherAxpyAvx512 : GatherAxpy)(y, stride, idx, n, s, chunks,
                                              out);
  }
  void Gram(const float* g, int64_t stride, int k, int chunks, const float* p,
            int cols, float* out, float scale) const {
    (avx512_ ? GramProductAvx512 : GramProduct)(g, stride, k, chunks, p, cols,
                                                out, scale);
  }
  bool avx512_ = false;
};

TEST_P(KernelTest, GatherKernelsMatchScalarLoops) {
  const int k = std::get<0>(GetParam());
  const FactorMatrix y = Random(50, k, 1);
  const FactorMatrix v = Random(1, k, 2);
  const int chunks = static_cast<int>(y.stride() / 8);
  // 21 entries: two groups of 8 and a remainder in the dot kernels.
  std::vector<uint32_t> idx = {3,  7,  7, 0, 49, 12, 5,  8,  9,  10, 11,
                               30, 31, 1, 2, 44, 45, 46, 47, 48, 20};
  std::vector<float> q(idx.size()), s(idx.size());
  for (bool prefetch : {false, true}) {
    Dots(y.data(), y.stride(), idx.data(), idx.size(), v.row(0), chunks,
         q.data(), prefetch);
    for (size_t i = 0; i < idx.size(); ++i) {
      double dot = 0;
      for (int c = 0; c < k; ++c) dot += double(y.at(idx[i], c)) * v.at(0, c);
      EXPECT_NEAR(q[i], dot, 1e-4 * (1 + std::abs(dot)));
      s[i] = 0.1f * i - 0.3f;
    }
  }
  FactorMatrix out = Random(1, k, 3);
  const FactorMatrix before = out;
  // Every prefix length: the axpy pairs entries when tiles are small.
  for (size_t n : {idx.size(), idx.size() - 1}) {
    out = before;
    Axpy(y.data(), y.stride(), idx.data(), n, s.data(), chunks, out.row(0));
    for (int c = 0; c < y.stride(); ++c) {
      double want = c < k ? before.at(0, c) : 0.0;
      for (size_t i = 0; i < n; ++i) {
        want += c < k ? double(s[i]) * y.at(idx[i], c) : 0.0;
      }
      EXPECT_NEAR(out.row(0)[c], want, 1e-4 * (1 + std::abs(want)))
          << c << " n " << n;
    }
  }
  // The output row's padding and the next row are left alone.
  FactorMatrix two = Random(2, k, 3);
  const FactorMatrix two_before = two;
  Axpy(y.data(), y.stride(), idx.data(), idx.size(), s.data(), chunks,
       two.row(0));
  for (int c = 0; c < y.stride(); ++c) {
    EXPECT_EQ(two.row(1)[c], two_before.row(1)[c]) << c;
  }
  for (int c = k; c < y.stride(); ++c) EXPECT_EQ(two.row(0)[c], 0.0f) << c;
}

TEST_P(KernelTest, GramProductMatchesScalarForEveryColumnCount) {
  const int k = std::get<0>(GetParam());
  const FactorMatrix f = Random(40, k, 4);
  const FactorMatrix g = ComputeGram(f, 1);
  for (int cols : {1, 3, 4, 5, 9}) {
    const FactorMatrix p = Random(cols, k, 5 + cols);
    FactorMatrix out(cols, k);
    Gram(g.data(), g.stride(), k, static_cast<int>(g.stride() / 8), p.data(),
         cols, out.data(), 0.5f);
    for (int j = 0; j < cols; ++j) {
      for (int r = 0; r < out.stride(); ++r) {
        double want = 0;
        for (int c = 0; c < k && r < k; ++c)
          want += double(g.at(r, c)) * p.at(j, c);
        EXPECT_NEAR(out.row(j)[r], 0.5 * want, 1e-3 * (1 + std::abs(want)))
            << "k " << k << " cols " << cols << " col " << j << " row " << r;
      }
    }
  }
}

// 264 and 300 are wider than one 256-float AVX-512 tile.
INSTANTIATE_TEST_SUITE_P(Dims, KernelTest,
                         ::testing::Combine(::testing::Values(1, 8, 13, 24, 64,
                                                              72, 130, 256, 264,
                                                              300),
                                            ::testing::Bool()));

// The implicit problem of RowSolverPathsTest with `k` factors.
struct Problem {
  CsrMatrix m;
  FactorMatrix fixed, gram, start;
  std::vector<float> reg;
  std::vector<float> bias;
  RowProblem pr;
};

Problem MakeProblem(int k, EntryKind kind) {
  Problem p;
  // Row 3 is empty; rows have 30-90 entries over 300 columns.
  p.m = als_testing::RandomCsr(40, 300, 0.2, 5, 11, {3});
  p.fixed = Random(300, k, 12);
  p.gram = ComputeGram(p.fixed, 1);
  p.start = Random(40, k, 13);
  p.reg.assign(p.fixed.stride(), 0.0f);
  for (int c = 0; c < k; ++c) p.reg[c] = 0.5f + 0.01f * c;
  p.bias.assign(300, 0.25f);
  p.pr.rows = &p.m;
  p.pr.row_end = p.m.rows;
  p.pr.fixed = &p.fixed;
  p.pr.reg_diag = p.reg.data();
  p.pr.kind = kind;
  if (kind == EntryKind::kExplicit) {
    p.pr.target_offset = 3.0f;
    p.pr.other_bias = p.bias.data();
  } else {
    p.pr.gram = &p.gram;
    p.pr.gram_scale = 1.0f;
    p.pr.alpha = 2.0f;
  }
  p.pr.scale_by_frequency = true;
  p.pr.reg_exponent = 0.5f;
  p.pr.threads = 1;
  return p;
}

FactorMatrix Solve(const RowProblem& pr, const FactorMatrix& start) {
  FactorMatrix solved = start;
  RowSolveStats stats;
  absl::Status s = SolveRows(pr, solved, "test", &stats);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(stats.nnz, pr.rows->nnz());
  return solved;
}

void ExpectNear(const FactorMatrix& a, const FactorMatrix& b, double tol,
                const char* what) {
  ASSERT_EQ(a.rows(), b.rows());
  for (int64_t r = 0; r < a.rows(); ++r) {
    for (int c = 0; c < a.cols(); ++c) {
      EXPECT_NEAR(a.at(r, c), b.at(r, c), tol * (1 + std::abs(b.at(r, c))))
          << what << " row " << r << " col " << c;
    }
  }
}

class RowSolverPathsTest
    : public ::testing::TestWithParam<std::tuple<int, EntryKind, KernelIsa>> {};

// Rows solved by sweeps over the fixed table (long rows) take the same CG
// steps as rows solved in blocks, whatever the slice size and thread count.
TEST_P(RowSolverPathsTest, SweepMatchesBlocksAndCholesky) {
  const auto [k, kind, isa] = GetParam();
  if (isa == KernelIsa::kAvx512 && !CpuSupportsAvx512()) {
    GTEST_SKIP() << "no AVX-512";
  }
  Problem p = MakeProblem(k, kind);
  p.pr.isa = isa;
  p.pr.cg_steps = 3;
  p.pr.long_row_bytes = 1e30;  // every row in blocks
  const FactorMatrix blocks = Solve(p.pr, p.start);
  p.pr.long_row_bytes = 0;  // every non-empty row swept
  for (double slice :
       {1e9, 4.0 * 37 * p.fixed.stride(), 4.0 * p.fixed.stride()}) {
    p.pr.sweep_slice_bytes = slice;
    ExpectNear(Solve(p.pr, p.start), blocks, 1e-5, "all swept");
  }
  // Half the rows long, 3 threads (each sweeps its share): same result.
  p.pr.long_row_bytes = 4.0 * p.fixed.stride() * 60;
  p.pr.sweep_slice_bytes = 4.0 * 50 * p.fixed.stride();
  const FactorMatrix mixed = Solve(p.pr, p.start);
  ExpectNear(mixed, blocks, 1e-5, "mixed");
  p.pr.threads = 3;
  const FactorMatrix mixed3 = Solve(p.pr, p.start);
  for (int64_t r = 0; r < mixed.rows(); ++r) {
    for (int c = 0; c < k; ++c) {
      ASSERT_EQ(mixed3.at(r, c), mixed.at(r, c)) << "row " << r << " col " << c;
    }
  }
  // Enough CG steps on swept rows reach the exact (Cholesky) solution.
  p.pr.threads = 1;
  p.pr.long_row_bytes = 0;
  p.pr.cg_steps = 4 * k;
  const FactorMatrix cg = Solve(p.pr, p.start);
  p.pr.solver = RowSolver::kCholesky;
  const FactorMatrix exact = Solve(p.pr, p.start);
  ExpectNear(cg, exact, 1e-4, "cg vs cholesky");
  for (int c = 0; c < k; ++c) EXPECT_EQ(exact.at(3, c), 0.0f);  // empty row
}

INSTANTIATE_TEST_SUITE_P(
    KindsAndDims, RowSolverPathsTest,
    ::testing::Combine(
        ::testing::Values(1, 8, 13, 64),
        ::testing::Values(EntryKind::kImplicitLinear, EntryKind::kImplicitLog,
                          EntryKind::kExplicit),
        ::testing::Values(KernelIsa::kAvx2, KernelIsa::kAvx512)));

// The two instruction sets take the same CG steps: results agree to float
// rounding.
TEST(RowSolverTest, Avx512MatchesAvx2) {
  if (!CpuSupportsAvx512()) GTEST_SKIP() << "no AVX-512";
  for (int k : {13, 64, 264}) {
    Problem p = MakeProblem(k, EntryKind::kImplicitLinear);
    p.pr.isa = KernelIsa::kAvx2;
    const FactorMatrix avx2 = Solve(p.pr, p.start);
    p.pr.isa = KernelIsa::kAvx512;
    ExpectNear(Solve(p.pr, p.start), avx2, 1e-4, "avx512 vs avx2");
    p.pr.isa = KernelIsa::kAuto;
    ExpectNear(Solve(p.pr, p.start), avx2, 1e-4, "auto vs avx2");
  }
}

// CG over the fp16 copy solves the system of the rounded rows: close to the
// float solution (the copy is really used: results differ), and with enough
// steps close to the exact float solution.
TEST(RowSolverTest, HalfCopyCloseToFloats) {
  if (!CpuSupportsAvx512()) GTEST_SKIP() << "no AVX-512";
  for (int k : {13, 64}) {
    Problem p = MakeProblem(k, EntryKind::kImplicitLinear);
    p.pr.long_row_bytes = 4.0 * p.fixed.stride() * 60;  // blocks and sweeps
    const FactorMatrix floats = Solve(p.pr, p.start);
    std::vector<uint16_t> half;
    ASSERT_TRUE(MakeHalfCopy(p.fixed, 1, half).ok());
    p.pr.fixed_half = half.data();
    const FactorMatrix halves = Solve(p.pr, p.start);
    ExpectNear(halves, floats, 1e-2, "fp16 vs float CG");
    double max_diff = 0;
    for (int64_t r = 0; r < floats.rows(); ++r) {
      for (int c = 0; c < k; ++c) {
        max_diff = std::max<double>(
            max_diff, std::abs(halves.at(r, c) - floats.at(r, c)));
      }
    }
    EXPECT_GT(max_diff, 0.0);
    p.pr.cg_steps = 4 * k;
    const FactorMatrix cg = Solve(p.pr, p.start);
    p.pr.solver = RowSolver::kCholesky;  // always over the floats
    ExpectNear(cg, Solve(p.pr, p.start), 1e-2, "fp16 CG vs cholesky");
    p.pr.solver = RowSolver::kConjugateGradient;
    p.pr.isa = KernelIsa::kAvx2;  // has no fp16 kernels
    FactorMatrix out = p.start;
    EXPECT_EQ(SolveRows(p.pr, out, "t", nullptr).code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(RowSolverTest, HalfCopyRoundsAndRejectsOutOfRange) {
  FactorMatrix m = Random(5, 20, 7);
  std::vector<uint16_t> half;
  ASSERT_TRUE(MakeHalfCopy(m, 2, half).ok());
  ASSERT_EQ(half.size(), static_cast<size_t>(5 * m.stride()));
  for (int64_t r = 0; r < 5; ++r) {
    for (int c = 0; c < m.stride(); ++c) {
      const float back = _cvtsh_ss(half[r * m.stride() + c]);
      const float want = m.row(r)[c];
      EXPECT_NEAR(back, want, std::abs(want) * (1.0 / 2048)) << r << " " << c;
    }
  }
  m.at(3, 4) = 70000.0f;
  absl::Status s = MakeHalfCopy(m, 1, half);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("row 3"), std::string::npos) << s;
  m.at(3, 4) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(MakeHalfCopy(m, 1, half).ok());
  m.at(3, 4) = -65504.0f;
  EXPECT_TRUE(MakeHalfCopy(m, 1, half).ok());
}

TEST(RowSolverTest, RejectsMissingInputsAndBadRanges) {
  CsrMatrix m;
  m.rows = 2;
  m.cols = 2;
  m.indptr = {0, 1, 2};
  m.indices = {0, 1};
  m.data = {1, 1};
  FactorMatrix fixed(2, 4), solved(2, 4);
  std::vector<float> reg(8, 0.1f);
  RowProblem pr;
  pr.rows = &m;
  pr.row_end = 2;
  pr.fixed = &fixed;
  EXPECT_FALSE(SolveRows(pr, solved, "t", nullptr).ok());  // no reg_diag
  pr.reg_diag = reg.data();
  pr.gram_scale = 1.0f;  // but no Gram
  EXPECT_FALSE(SolveRows(pr, solved, "t", nullptr).ok());
  pr.gram_scale = 0.0f;
  pr.kind = EntryKind::kExplicit;
  EXPECT_TRUE(SolveRows(pr, solved, "t", nullptr).ok());
  pr.row_end = 3;
  EXPECT_FALSE(SolveRows(pr, solved, "t", nullptr).ok());
}

}  // namespace
}  // namespace als_internal
}  // namespace tailor
