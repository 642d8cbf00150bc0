#include "trainer/als/factor_matrix.h"

#include <cmath>
#include <cstdint>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(FactorMatrixTest, RowsArePaddedAlignedAndZero) {
  FactorMatrix m(3, 5);
  EXPECT_EQ(m.stride(), 8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.row(1)) % 32, 0u);
  m.FillRandomNormal(7, 1.0f, 1);
  for (int64_t r = 0; r < 3; ++r) {
    for (int c = 5; c < 8; ++c) EXPECT_EQ(m.row(r)[c], 0.0f);
  }
  EXPECT_EQ(m.Row(2).size(), 5u);
}

TEST(FactorMatrixTest, RandomFillIsIndependentOfThreadsAndHasRightScale) {
  FactorMatrix a(2000, 16), b(2000, 16);
  a.FillRandomNormal(11, 0.5f, 1);
  b.FillRandomNormal(11, 0.5f, 2);
  double sum = 0, sq = 0;
  for (int64_t r = 0; r < 2000; ++r) {
    for (int c = 0; c < 16; ++c) {
      ASSERT_EQ(a.at(r, c), b.at(r, c));
      sum += a.at(r, c);
      sq += a.at(r, c) * a.at(r, c);
    }
  }
  const double n = 2000 * 16;
  EXPECT_NEAR(sum / n, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(sq / n), 0.5, 0.02);
}

TEST(FactorMatrixTest, GramMatchesNaiveAndAddsUpOverRanges) {
  FactorMatrix f(9000, 13);  // more than one 4096-row block
  f.FillRandomNormal(3, 1.0f, 2);
  const FactorMatrix g = ComputeGram(f, 2);
  FactorMatrix sum = ComputeGram(f, 0, 5000, 1);
  AddGram(ComputeGram(f, 5000, 9000, 1), sum);
  for (int i = 0; i < 13; ++i) {
    for (int j = 0; j < 13; ++j) {
      double naive = 0;
      for (int64_t r = 0; r < 9000; ++r)
        naive += double(f.at(r, i)) * f.at(r, j);
      EXPECT_NEAR(g.at(i, j), naive, 1e-3 * (1 + std::abs(naive)));
      EXPECT_NEAR(sum.at(i, j), naive, 1e-3 * (1 + std::abs(naive)));
      EXPECT_EQ(g.at(i, j), g.at(j, i));
    }
  }
  EXPECT_EQ(ComputeGram(f, 1).at(3, 4), g.at(3, 4));  // thread independent
}

TEST(FactorMatrixTest, AllFiniteFindsTheFirstBadRow) {
  FactorMatrix m(4, 3);
  int64_t bad = -1;
  EXPECT_TRUE(m.AllFinite(&bad));
  m.at(2, 1) = std::nanf("");
  m.at(3, 0) = INFINITY;
  EXPECT_FALSE(m.AllFinite(&bad));
  EXPECT_EQ(bad, 2);
}

}  // namespace
}  // namespace tailor
