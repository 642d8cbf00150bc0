#include "trainer/als/row_solver.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/als/row_kernels.h"

namespace tailor {
namespace als_internal {
namespace {

FactorMatrix Random(int64_t rows, int cols, uint32_t seed) {
  FactorMatrix m(rows, cols);
  m.FillRandomNormal(seed, 1.0f, 1);
  return m;
}

class KernelTest : public ::testing::TestWithParam<int> {};

TEST_P(KernelTest, GatherKernelsMatchScalarLoops) {
  const int k = GetParam();
  const FactorMatrix y = Random(50, k, 1);
  const FactorMatrix v = Random(1, k, 2);
  const int chunks = static_cast<int>(y.stride() / 8);
  std::vector<uint32_t> idx = {3, 7, 7, 0, 49, 12, 5, 8, 9, 10, 11, 30, 31};
  std::vector<float> q(idx.size()), s(idx.size());
  for (bool prefetch : {false, true}) {
    GatherDots(y.data(), y.stride(), idx.data(), idx.size(), v.row(0), chunks,
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
  GatherAxpy(y.data(), y.stride(), idx.data(), idx.size(), s.data(), chunks,
             out.row(0));
  for (int c = 0; c < y.stride(); ++c) {
    double want = c < k ? before.at(0, c) : 0.0;
    for (size_t i = 0; i < idx.size(); ++i) {
      want += c < k ? double(s[i]) * y.at(idx[i], c) : 0.0;
    }
    EXPECT_NEAR(out.row(0)[c], want, 1e-4 * (1 + std::abs(want))) << c;
  }
}

TEST_P(KernelTest, GramProductMatchesScalarForEveryColumnCount) {
  const int k = GetParam();
  const FactorMatrix f = Random(40, k, 4);
  const FactorMatrix g = ComputeGram(f, 1);
  for (int cols : {1, 3, 4, 5, 9}) {
    const FactorMatrix p = Random(cols, k, 5 + cols);
    FactorMatrix out(cols, k);
    GramProduct(g.data(), g.stride(), k, static_cast<int>(g.stride() / 8),
                p.data(), cols, out.data(), 0.5f);
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

INSTANTIATE_TEST_SUITE_P(Dims, KernelTest,
                         ::testing::Values(1, 8, 13, 24, 64, 72, 130));

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
